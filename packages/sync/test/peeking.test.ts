/** Room previews (spec "Room Previews"): /rooms/{roomId}/initialSync and GET /events?room_id=… on world_readable rooms. */
import { RoomEvent, createClient, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import type { Logger } from 'matrix-js-sdk/lib/logger.js';
import { DB_KINDS, v3, type Credentials, type TestServer } from '../../client-api/test/support/test-server.js';
import { createRoom, sendMessage, sendState } from '../../client-api/test/support/rooms.js';
import { startSyncTestServer } from './support/sync-server.js';

const enc = encodeURIComponent;

interface ClientEvent {
  type: string;
  event_id: string;
  sender: string;
  room_id: string;
  state_key?: string;
  content: Record<string, unknown>;
}

interface InitialSync {
  room_id: string;
  membership?: string;
  messages: { start?: string; end: string; chunk: ClientEvent[] };
  state: ClientEvent[];
  visibility: string;
  account_data: unknown[];
}

interface EventsReply {
  start: string;
  end: string;
  chunk: ClientEvent[];
}

describe.each(DB_KINDS)('room previews on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let roomId: string;
  beforeAll(async () => {
    hs = await startSyncTestServer(kind, { yaml: 'allow_guest_access: true\n' });
    [alice, bob] = await Promise.all([hs.createUser('alice'), hs.createUser('bob')]);
    roomId = await createRoom(hs, alice, {
      preset: 'public_chat',
      name: 'Lobby',
      initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'world_readable' } }],
    });
    for (let i = 1; i <= 12; i++) await sendMessage(hs, alice, roomId, `message ${i}`);
  });
  afterAll(() => hs.close());

  const initialSync = (user: Credentials, query = '') =>
    hs.request<InitialSync>('GET', v3(`/rooms/${enc(roomId)}/initialSync${query}`), { token: user.access_token });
  const events = (user: Credentials, query: string) => hs.request<EventsReply>('GET', v3(`/events?room_id=${enc(roomId)}&${query}`), { token: user.access_token });

  test('initialSync gives a non-member the recent messages oldest first, the state and tokens', async () => {
    const res = await initialSync(bob);
    expect(res.status).toBe(200);
    expect(res.body.room_id).toBe(roomId);
    expect(res.body).not.toHaveProperty('membership');
    expect(res.body.visibility).toBe('private');
    expect(res.body.account_data).toEqual([]);
    expect(res.body.messages.chunk.map((e) => e.content['body'])).toEqual(Array.from({ length: 10 }, (_, i) => `message ${i + 3}`));
    expect(res.body.messages.chunk.every((e) => e.room_id === roomId)).toBe(true);
    expect(res.body.state.find((e) => e.type === 'm.room.name')?.content).toEqual({ name: 'Lobby' });
    expect(res.body.state.some((e) => e.type === 'm.room.create')).toBe(true);

    // `start` pages backwards with /messages to the older events.
    const older = await hs.request<{ chunk: ClientEvent[] }>(
      'GET',
      v3(`/rooms/${enc(roomId)}/messages?dir=b&limit=2&from=${enc(res.body.messages.start!)}`),
      { token: bob.access_token },
    );
    expect(older.body.chunk.map((e) => e.content['body'])).toEqual(['message 2', 'message 1']);

    const member = await initialSync(alice, '?limit=3');
    expect(member.body.membership).toBe('join');
    expect(member.body.messages.chunk).toHaveLength(3);
  });

  test('/events continues from initialSync: nothing new returns at once with timeout=0, a new message wakes a long poll', async () => {
    const { end } = (await initialSync(bob)).body.messages;
    const idle = await events(bob, `from=${enc(end)}&timeout=0`);
    expect(idle.status).toBe(200);
    expect(idle.body).toEqual({ start: end, end, chunk: [] });

    const poll = events(bob, `from=${enc(end)}&timeout=20000`);
    // Give the poll time to register; the result does not depend on it (the token pins where it reads from).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const eventId = await sendMessage(hs, alice, roomId, 'news');
    const woke = await poll;
    expect(woke.status).toBe(200);
    expect(woke.body.chunk.map((e) => [e.event_id, e.content['body'], e.room_id])).toEqual([[eventId, 'news', roomId]]);
    expect(woke.body.end).not.toBe(end);

    const after = await events(bob, `from=${enc(woke.body.end)}&timeout=0`);
    expect(after.body.chunk).toEqual([]);
    // Without `from` the stream starts now.
    expect((await events(bob, 'timeout=0')).body.chunk).toEqual([]);
  });

  test('a burst larger than one batch is delivered over consecutive calls, nothing lost', async () => {
    const room = await createRoom(hs, alice, {
      preset: 'public_chat',
      initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'world_readable' } }],
    });
    const { end } = (await hs.request<InitialSync>('GET', v3(`/rooms/${enc(room)}/initialSync`), { token: bob.access_token })).body.messages;
    for (let i = 0; i < 101; i++) {
      await hs.ctx.rooms.persister.createEvent({ room_id: room, type: 'm.room.message', sender: alice.user_id, content: { msgtype: 'm.text', body: `b${i}` } });
    }
    const peek = (from: string) => hs.request<EventsReply>('GET', v3(`/events?room_id=${enc(room)}&from=${enc(from)}&timeout=0`), { token: bob.access_token });
    const first = await peek(end);
    expect(first.body.chunk).toHaveLength(100);
    const second = await peek(first.body.end);
    const bodies = [...first.body.chunk, ...second.body.chunk].map((e) => e.content['body']);
    expect(bodies).toEqual(Array.from({ length: 101 }, (_, i) => `b${i}`));
  });

  test('guests may peek', async () => {
    const guest = await hs.request<{ access_token: string }>('POST', v3('/register?kind=guest'), { body: {} });
    const token = guest.body.access_token;
    const res = await hs.request<InitialSync>('GET', v3(`/rooms/${enc(roomId)}/initialSync`), { token });
    expect(res.status).toBe(200);
    const ev = await hs.request('GET', v3(`/events?room_id=${enc(roomId)}&timeout=0&from=${enc(res.body.messages.end)}`), { token });
    expect(ev.status).toBe(200);
  });

  test('rooms that are not world_readable cannot be previewed; bad parameters are 400', async () => {
    const privateRoom = await createRoom(hs, alice, { preset: 'public_chat' });
    const init = await hs.request('GET', v3(`/rooms/${enc(privateRoom)}/initialSync`), { token: bob.access_token });
    expect(init.status).toBe(403);
    expect(init.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    const ev = await hs.request('GET', v3(`/events?room_id=${enc(privateRoom)}&timeout=0`), { token: bob.access_token });
    expect(ev.status).toBe(403);
    expect((await hs.request('GET', v3('/events?room_id=!unknown:test.local&timeout=0'), { token: bob.access_token })).status).toBe(403);

    expect((await hs.request('GET', v3('/events?timeout=0'), { token: bob.access_token })).body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    expect((await hs.request('GET', v3('/events?room_id=nope&timeout=0'), { token: bob.access_token })).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await events(bob, 'from=garbage&timeout=0')).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await events(bob, 'timeout=soon')).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await hs.request('GET', v3(`/events?room_id=${enc(roomId)}`))).status).toBe(401);
  });

  test('once the room stops being world_readable, peekers are refused', async () => {
    const room = await createRoom(hs, alice, {
      preset: 'public_chat',
      initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'world_readable' } }],
    });
    const { end } = (await hs.request<InitialSync>('GET', v3(`/rooms/${enc(room)}/initialSync`), { token: bob.access_token })).body.messages;
    await sendState(hs, alice, room, 'm.room.history_visibility', '', { history_visibility: 'shared' });
    await sendMessage(hs, alice, room, 'members only');
    const res = await hs.request('GET', v3(`/events?room_id=${enc(room)}&from=${enc(end)}&timeout=0`), { token: bob.access_token });
    expect(res.status).toBe(403);
  });
});

const noop = (): void => undefined;
const SILENT: Logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, getChild: () => SILENT };

describe('matrix-js-sdk guest peeking', () => {
  let hs: TestServer;
  let client: MatrixClient | undefined;
  let wake: (() => Promise<unknown>) | undefined;
  beforeAll(async () => {
    hs = await startSyncTestServer('pglite', { yaml: 'allow_guest_access: true\n' });
  });
  afterAll(async () => {
    client?.stopPeeking();
    // Wake the SDK's pending /events poll so it ends (and sees it stopped) before the server goes.
    if (wake) await wake();
    while (hs.ctx.rooms.hub.notifier.waiting > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    client?.stopClient();
    await hs.close();
  });

  test('registerGuest, then peekInRoom reads the history and receives new messages live', async () => {
    const alice = await hs.createUser('alice');
    const roomId = await createRoom(hs, alice, {
      preset: 'public_chat',
      name: 'Open house',
      initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'world_readable' } }],
    });
    await sendMessage(hs, alice, roomId, 'before the guest came');

    const anonymous = createClient({ baseUrl: hs.url });
    const guest = await anonymous.registerGuest({ body: {} });
    expect(guest.user_id).toMatch(/^@\d+:/);
    // Quiet: the SDK logs its last poll's answer after the test has ended.
    client = createClient({ baseUrl: hs.url, accessToken: guest.access_token, userId: guest.user_id, deviceId: guest.device_id, logger: SILENT });
    client.setGuest(true);

    const room = await client.peekInRoom(roomId);
    expect(room.name).toBe('Open house');
    const bodies = () => room.getLiveTimeline().getEvents().filter((e) => e.getType() === 'm.room.message').map((e) => e.getContent()['body']);
    expect(bodies()).toEqual(['before the guest came']);

    const live = new Promise<MatrixEvent>((resolve) => {
      room.on(RoomEvent.Timeline, (event: MatrixEvent) => {
        if (event.getType() === 'm.room.message') resolve(event);
      });
    });
    // The SDK's first /events poll carries no `from` (it starts "now"): send once it is waiting on the server.
    while (hs.ctx.rooms.hub.notifier.waiting === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await sendMessage(hs, alice, roomId, 'while the guest watched');
    expect((await live).getContent()).toMatchObject({ body: 'while the guest watched' });
    expect(bodies()).toEqual(['before the guest came', 'while the guest watched']);
    wake = () => sendMessage(hs, alice, roomId, 'goodbye');
  });
});
