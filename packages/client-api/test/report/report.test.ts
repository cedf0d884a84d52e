/** Reporting events, rooms and users: validation, what the reporter may report, and the stored rows admins read. */
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type Credentials, type TestServer } from '../support/test-server.js';
import { createRoom, joinRoom, leaveRoom, sendMessage } from '../support/rooms.js';

const enc = encodeURIComponent;

describe.each(DB_KINDS)('reporting on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let eve: Credentials;
  let roomId: string;
  let privateRoom: string;
  let eventId: string;
  let hiddenEvent: string;

  const report = (user: Credentials, path: string, body: unknown) => hs.request<{ errcode?: string }>('POST', v3(path), { token: user.access_token, body });
  const reports = async () =>
    (
      await hs.db.query<{ reporter: string; kind: string; room_id: string | null; event_id: string | null; target_user_id: string | null; reason: string | null; score: number | null }>(
        'SELECT reporter, kind, room_id, event_id, target_user_id, reason, score FROM content_reports ORDER BY id',
      )
    ).rows;

  beforeAll(async () => {
    hs = await startTestServer(kind);
    [alice, bob, eve] = [await hs.createUser('alice'), await hs.createUser('bob'), await hs.createUser('eve')];
    roomId = await createRoom(hs, alice, { preset: 'public_chat', initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'joined' } }] });
    privateRoom = await createRoom(hs, alice, { preset: 'private_chat' });
    hiddenEvent = await sendMessage(hs, alice, roomId, 'before bob joined');
    await joinRoom(hs, bob, roomId);
    eventId = await sendMessage(hs, alice, roomId, 'offensive');
  });
  afterAll(() => hs.close());

  test('an event the reporter can see is stored with reason and legacy score', async () => {
    const res = await report(bob, `/rooms/${enc(roomId)}/report/${enc(eventId)}`, { reason: 'this makes me sad', score: -100 });
    expect([res.status, res.body]).toEqual([200, {}]);
    expect((await report(bob, `/rooms/${enc(roomId)}/report/${enc(eventId)}`, {})).status).toBe(200);
    expect(await reports()).toEqual([
      { reporter: bob.user_id, kind: 'event', room_id: roomId, event_id: eventId, target_user_id: null, reason: 'this makes me sad', score: -100 },
      { reporter: bob.user_id, kind: 'event', room_id: roomId, event_id: eventId, target_user_id: null, reason: null, score: null },
    ]);
  });

  test('events the reporter cannot see, or in rooms they are not joined to, are 404; bad bodies 400; nothing stored', async () => {
    const before = (await reports()).length;
    const notFound = async (user: Credentials, room: string, event: string) => {
      const res = await report(user, `/rooms/${enc(room)}/report/${enc(event)}`, { reason: 'x' });
      expect([res.status, res.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
    };
    await notFound(bob, roomId, hiddenEvent); // history_visibility joined: sent before bob joined
    await notFound(eve, roomId, eventId); // not joined
    await notFound(bob, roomId, `$${'A'.repeat(43)}`);
    await notFound(alice, privateRoom, eventId); // event of another room
    const bad = async (body: unknown, errcode: string) => {
      const res = await report(bob, `/rooms/${enc(roomId)}/report/${enc(eventId)}`, body);
      expect([res.status, res.body.errcode]).toEqual([400, errcode]);
    };
    await bad({ score: 5 }, 'M_INVALID_PARAM');
    await bad({ score: -101 }, 'M_INVALID_PARAM');
    await bad({ score: 'bad' }, 'M_INVALID_PARAM');
    await bad({ reason: 42 }, 'M_INVALID_PARAM');
    await bad({ reason: 'x'.repeat(1001) }, 'M_INVALID_PARAM');
    await bad([], 'M_BAD_JSON');
    expect((await report(bob, `/rooms/${enc(roomId)}/report/not-an-event`, {})).body.errcode).toBe('M_INVALID_PARAM');
    await leaveRoom(hs, bob, roomId);
    await notFound(bob, roomId, eventId); // left since
    await joinRoom(hs, bob, roomId);
    expect((await reports()).length).toBe(before);
  });

  test('rooms: any user may report a known room; unknown rooms are 404; reason is required', async () => {
    expect((await report(eve, `/rooms/${enc(privateRoom)}/report`, { reason: '' })).status).toBe(200);
    const unknown = await report(eve, `/rooms/${enc('!nope:test.local')}/report`, { reason: 'x' });
    expect([unknown.status, unknown.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
    const missing = await report(eve, `/rooms/${enc(privateRoom)}/report`, {});
    expect([missing.status, missing.body.errcode]).toEqual([400, 'M_MISSING_PARAM']);
    expect((await report(eve, `/rooms/not-a-room/report`, { reason: 'x' })).body.errcode).toBe('M_INVALID_PARAM');
    expect((await reports()).at(-1)).toMatchObject({ reporter: eve.user_id, kind: 'room', room_id: privateRoom, event_id: null, reason: '' });
  });

  test('users: local users must exist, remote ones are kept for admins; reason is required', async () => {
    expect((await report(eve, `/users/${enc(alice.user_id)}/report`, { reason: 'spam' })).status).toBe(200);
    expect((await reports()).at(-1)).toMatchObject({ reporter: eve.user_id, kind: 'user', target_user_id: alice.user_id, room_id: null, reason: 'spam' });
    const ghost = await report(eve, `/users/${enc(`@ghost:${SERVER_NAME}`)}/report`, { reason: 'x' });
    expect([ghost.status, ghost.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
    expect((await report(eve, `/users/${enc('@someone:remote.example')}/report`, { reason: 'x' })).status).toBe(200);
    expect((await report(eve, `/users/${enc(alice.user_id)}/report`, {})).body.errcode).toBe('M_MISSING_PARAM');
    expect((await report(eve, `/users/not-a-user/report`, { reason: 'x' })).body.errcode).toBe('M_INVALID_PARAM');
    expect((await hs.request('POST', v3(`/users/${enc(alice.user_id)}/report`), { body: { reason: 'x' } })).status).toBe(401);
  });
});
