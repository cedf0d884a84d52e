/** GET /sync: initial and incremental syncs, long-polling, gappy syncs, state rules, invites, leaves. */
import { createRoom, invite, joinRoom, leaveRoom, sendMessage, sendState } from '../../client-api/test/support/rooms.js';
import { v3, type Credentials, type TestServer } from '../../client-api/test/support/test-server.js';
import { startSyncTestServer, sync, syncReply, type SyncEvent } from './support/sync-server.js';

const bodies = (events: SyncEvent[]) => events.filter((e) => e.type === 'm.room.message').map((e) => e.content.body);

describe('sync on postgres', () => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  beforeAll(async () => {
    hs = await startSyncTestServer('postgres');
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
  });
  afterAll(() => hs.close());

  test('initial sync: joined room with state, timeline, summary and counts', async () => {
    const roomId = await createRoom(hs, alice, { name: 'Lobby' });
    await sendMessage(hs, alice, roomId, 'hello');
    const body = await sync(hs, alice);
    expect(typeof body.next_batch).toBe('string');
    const room = body.rooms.join[roomId]!;
    expect(room).toBeDefined();
    expect(bodies(room.timeline.events)).toEqual(['hello']);
    const all = [...room.state.events, ...room.timeline.events];
    expect(all.some((e) => e.type === 'm.room.create')).toBe(true);
    expect(all.some((e) => e.type === 'm.room.name' && e.content.name === 'Lobby')).toBe(true);
    // State is the state at the START of the timeline: no event is in both.
    const timelineIds = new Set(room.timeline.events.map((e) => e.event_id));
    expect(room.state.events.filter((e) => timelineIds.has(e.event_id))).toEqual([]);
    expect(room.unread_notifications).toEqual({ notification_count: 0, highlight_count: 0 });
    expect(room.summary).toMatchObject({ 'm.joined_member_count': 1, 'm.invited_member_count': 0 });
    expect(room.timeline.events[0]).not.toHaveProperty('room_id');
    expect(body).toHaveProperty('to_device');
    expect(body).toHaveProperty('device_lists');
    expect(body).not.toHaveProperty('presence');
  });

  test('incremental sync returns only what is new; empty when nothing happened', async () => {
    const roomId = await createRoom(hs, alice);
    const first = await sync(hs, alice);
    await sendMessage(hs, alice, roomId, 'one');
    await sendMessage(hs, alice, roomId, 'two');
    const next = await sync(hs, alice, { since: first.next_batch });
    const room = next.rooms.join[roomId]!;
    expect(bodies(room.timeline.events)).toEqual(['one', 'two']);
    expect(room.timeline.limited).toBe(false);
    expect(room.state.events).toEqual([]);
    const idle = await sync(hs, alice, { since: next.next_batch });
    expect(idle.rooms.join).toEqual({});
    expect(idle.next_batch).toBe(next.next_batch);
  });

  test('a long-poll whose client goes away stops waiting; an answered one leaves nothing waiting', async () => {
    const { notifier } = hs.ctx.rooms.hub;
    const start = await sync(hs, alice);
    const waitingBefore = notifier.waiting;
    const gone = new AbortController();
    const poll = fetch(`${hs.url}${v3(`/sync?timeout=30000&since=${encodeURIComponent(start.next_batch)}`)}`, {
      headers: { Authorization: `Bearer ${alice.access_token}` },
      signal: gone.signal,
    }).catch(() => 'aborted');
    while (notifier.waiting === waitingBefore) await new Promise((resolve) => setTimeout(resolve, 20));
    gone.abort();
    await expect(poll).resolves.toBe('aborted');
    while (notifier.waiting > waitingBefore) await new Promise((resolve) => setTimeout(resolve, 20));
    // A long-poll that times out normally is not aborted afterwards either: it just ends.
    await sync(hs, alice, { since: start.next_batch, timeout: 50 });
    expect(notifier.waiting).toBe(waitingBefore);
  });

  test('long-poll wakes on another user message and returns at the timeout otherwise', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, roomId);
    const start = await sync(hs, alice);
    const t0 = Date.now();
    const timedOut = await sync(hs, alice, { since: start.next_batch, timeout: 300 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(timedOut.rooms.join).toEqual({});
    const waiting = sync(hs, alice, { since: timedOut.next_batch, timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 100));
    const t1 = Date.now();
    await sendMessage(hs, bob, roomId, 'wake up');
    const woke = await waiting;
    expect(Date.now() - t1).toBeLessThan(5000);
    expect(bodies(woke.rooms.join[roomId]!.timeline.events)).toEqual(['wake up']);
    expect(woke.rooms.join[roomId]!.timeline.events[0]!.sender).toBe(bob.user_id);
  });

  test('gappy sync: limited, prev_batch usable with /messages, state delta at the start of the timeline', async () => {
    const roomId = await createRoom(hs, alice);
    const start = await sync(hs, alice);
    await sendState(hs, alice, roomId, 'm.room.topic', '', { topic: 'in the gap' });
    for (let i = 0; i < 5; i++) await sendMessage(hs, alice, roomId, `m${i}`);
    const next = await sync(hs, alice, { since: start.next_batch, filter: { room: { timeline: { limit: 2 } } } });
    const room = next.rooms.join[roomId]!;
    expect(bodies(room.timeline.events)).toEqual(['m3', 'm4']);
    expect(room.timeline.limited).toBe(true);
    expect(room.state.events.map((e) => [e.type, e.content.topic])).toEqual([['m.room.topic', 'in the gap']]);
    const page = await hs.request<{ chunk: SyncEvent[] }>(
      'GET',
      v3(`/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=3&from=${encodeURIComponent(room.timeline.prev_batch)}`),
      { token: alice.access_token },
    );
    expect(page.status).toBe(200);
    expect(bodies(page.body.chunk)).toEqual(['m2', 'm1', 'm0']);
  });

  test('newly joined room: full state in an incremental sync; invite with stripped state first', async () => {
    const roomId = await createRoom(hs, alice, { name: 'Invite only' });
    const start = await sync(hs, bob);
    await invite(hs, alice, roomId, bob.user_id);
    const invited = await sync(hs, bob, { since: start.next_batch });
    const inviteState = invited.rooms.invite[roomId]!.invite_state.events;
    expect(inviteState.map((e) => e.type)).toEqual(expect.arrayContaining(['m.room.create', 'm.room.name', 'm.room.join_rules', 'm.room.member']));
    expect(inviteState.find((e) => e.type === 'm.room.member')).toMatchObject({ state_key: bob.user_id, content: { membership: 'invite' } });
    for (const e of inviteState) expect(Object.keys(e).sort()).toEqual(['content', 'sender', 'state_key', 'type']);
    await joinRoom(hs, bob, roomId);
    const joined = await sync(hs, bob, { since: invited.next_batch });
    const room = joined.rooms.join[roomId]!;
    const state = [...room.state.events, ...room.timeline.events];
    expect(state.some((e) => e.type === 'm.room.create')).toBe(true);
    expect(state.some((e) => e.type === 'm.room.name')).toBe(true);
    expect(room.timeline.events.some((e) => e.type === 'm.room.member' && e.state_key === bob.user_id)).toBe(true);
    expect(joined.rooms.invite[roomId]).toBeUndefined();
  });

  test('leave section: in the window always, otherwise only with include_leave', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, roomId);
    await sendMessage(hs, alice, roomId, 'before leaving');
    const start = await sync(hs, bob);
    await leaveRoom(hs, bob, roomId);
    await sendMessage(hs, alice, roomId, 'after leaving');
    const next = await sync(hs, bob, { since: start.next_batch });
    const left = next.rooms.leave[roomId]!;
    expect(left.timeline.events.at(-1)).toMatchObject({ type: 'm.room.member', state_key: bob.user_id, content: { membership: 'leave' } });
    expect(bodies(left.timeline.events)).not.toContain('after leaving');
    expect((await sync(hs, bob)).rooms.leave[roomId]).toBeUndefined();
    const withLeave = await sync(hs, bob, { filter: { room: { include_leave: true } } });
    expect(bodies(withLeave.rooms.leave[roomId]!.timeline.events)).toContain('before leaving');
    expect(bodies(withLeave.rooms.leave[roomId]!.timeline.events)).not.toContain('after leaving');
  });

  test('full_state returns the whole state in an incremental sync', async () => {
    const roomId = await createRoom(hs, alice, { name: 'Full' });
    const start = await sync(hs, alice);
    const full = await sync(hs, alice, { since: start.next_batch, full_state: true, timeout: 10_000 });
    expect(full.rooms.join[roomId]!.state.events.some((e) => e.type === 'm.room.name')).toBe(true);
  });

  test('malformed since is 400; a since from the future waits, then answers', async () => {
    for (const since of ['garbage', 's1_x', 's01']) {
      const reply = await syncReply(hs, alice, { since });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    }
    const roomId = await createRoom(hs, alice);
    const now = await sync(hs, alice);
    const [events, ...rest] = now.next_batch.slice(1).split('_');
    const ahead = `s${Number(events) + 1}_${rest.join('_')}`;
    let answeredAt = 0;
    const answer = syncReply(hs, alice, { since: ahead }).then((reply) => {
      answeredAt = Date.now();
      return reply;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(answeredAt).toBe(0); // still waiting for this worker to reach the token
    await sendMessage(hs, alice, roomId, 'catching up');
    const reply = await answer;
    expect(reply.status).toBe(200);
  });
});
