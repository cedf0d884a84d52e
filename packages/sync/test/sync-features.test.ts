/** Filters, account data, tags, typing, receipts, read markers, ignored users, lazy loading (unread counts: @lattice/push). */
import { createRoom, joinRoom, sendMessage } from '../../client-api/test/support/rooms.js';
import { DB_KINDS, v3, type Credentials, type TestServer } from '../../client-api/test/support/test-server.js';
import { startSyncTestServer, sync, type SyncEvent } from './support/sync-server.js';

const enc = encodeURIComponent;
const bodies = (events: SyncEvent[]) => events.filter((e) => e.type === 'm.room.message').map((e) => e.content.body);

describe.each(DB_KINDS)('sync features on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;
  let roomId: string;
  beforeAll(async () => {
    hs = await startSyncTestServer(kind);
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
    carol = await hs.createUser('carol');
    roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, roomId);
    await joinRoom(hs, carol, roomId);
  });
  afterAll(() => hs.close());

  test('filters: create, read back verbatim, only for oneself, 404 for unknown', async () => {
    const filter = { room: { timeline: { limit: 1, not_types: ['m.room.member'] } }, 'org.example.unknown': true };
    const created = await hs.request<{ filter_id: string }>('POST', v3(`/user/${enc(alice.user_id)}/filter`), { token: alice.access_token, body: filter });
    expect(created.status).toBe(200);
    const got = await hs.request('GET', v3(`/user/${enc(alice.user_id)}/filter/${created.body.filter_id}`), { token: alice.access_token });
    expect(got.body).toEqual(filter);
    expect((await hs.request('GET', v3(`/user/${enc(alice.user_id)}/filter/${created.body.filter_id}`), { token: bob.access_token })).status).toBe(403);
    expect((await hs.request('POST', v3(`/user/${enc(alice.user_id)}/filter`), { token: bob.access_token, body: {} })).status).toBe(403);
    const missing = await hs.request('GET', v3(`/user/${enc(alice.user_id)}/filter/999999`), { token: alice.access_token });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ errcode: 'M_NOT_FOUND' });
    const bad = await hs.request('POST', v3(`/user/${enc(alice.user_id)}/filter`), { token: alice.access_token, body: { room: { timeline: { limit: 'x' } } } });
    expect(bad.status).toBe(400);

    await sendMessage(hs, alice, roomId, 'filtered 1');
    await sendMessage(hs, alice, roomId, 'filtered 2');
    // Stored by id and inline: limit 1, not_types.
    for (const param of [created.body.filter_id, filter]) {
      const body = await sync(hs, alice, { filter: param as string | Record<string, unknown> });
      const timeline = body.rooms.join[roomId]!.timeline;
      expect(bodies(timeline.events)).toEqual(['filtered 2']);
      expect(timeline.limited).toBe(true);
    }
    const noMembers = await sync(hs, alice, { filter: { room: { timeline: { not_types: ['m.room.message'], limit: 50 } } } });
    expect(noMembers.rooms.join[roomId]!.timeline.events.every((e) => e.type !== 'm.room.message')).toBe(true);
    const otherRooms = await sync(hs, alice, { filter: { room: { not_rooms: [roomId] } } });
    expect(otherRooms.rooms.join[roomId]).toBeUndefined();
  });

  test('account data: global and per room, errors, and in sync', async () => {
    const start = await sync(hs, alice);
    const global = v3(`/user/${enc(alice.user_id)}/account_data/org.example.config`);
    expect((await hs.request('PUT', global, { token: alice.access_token, body: { theme: 'dark' } })).status).toBe(200);
    expect((await hs.request('GET', global, { token: alice.access_token })).body).toEqual({ theme: 'dark' });
    expect((await hs.request('GET', global, { token: bob.access_token })).status).toBe(403);
    expect((await hs.request('GET', v3(`/user/${enc(alice.user_id)}/account_data/unset.type`), { token: alice.access_token })).status).toBe(404);
    for (const type of ['m.fully_read', 'm.push_rules']) {
      const reply = await hs.request('PUT', v3(`/user/${enc(alice.user_id)}/account_data/${type}`), { token: alice.access_token, body: {} });
      expect(reply.status).toBe(405);
      expect(reply.body).toMatchObject({ errcode: 'M_BAD_JSON' });
    }
    const perRoom = v3(`/user/${enc(alice.user_id)}/rooms/${enc(roomId)}/account_data/org.example.room`);
    expect((await hs.request('PUT', perRoom, { token: alice.access_token, body: { pinned: true } })).status).toBe(200);
    expect((await hs.request('GET', perRoom, { token: alice.access_token })).body).toEqual({ pinned: true });
    expect((await hs.request('GET', v3(`/user/${enc(alice.user_id)}/rooms/not-a-room/account_data/x`), { token: alice.access_token })).status).toBe(400);

    const next = await sync(hs, alice, { since: start.next_batch });
    expect(next.account_data.events).toEqual([{ type: 'org.example.config', content: { theme: 'dark' } }]);
    expect(next.rooms.join[roomId]!.account_data.events).toEqual([{ type: 'org.example.room', content: { pinned: true } }]);
    const initial = await sync(hs, alice);
    expect(initial.account_data.events).toContainEqual({ type: 'org.example.config', content: { theme: 'dark' } });
  });

  test('tags: put with order validation, list, delete; synced as m.tag', async () => {
    const tags = v3(`/user/${enc(bob.user_id)}/rooms/${enc(roomId)}/tags`);
    expect((await hs.request('PUT', `${tags}/m.favourite`, { token: bob.access_token, body: { order: 0.25 } })).status).toBe(200);
    expect((await hs.request('PUT', `${tags}/u.work`, { token: bob.access_token, body: {} })).status).toBe(200);
    expect((await hs.request('PUT', `${tags}/u.bad`, { token: bob.access_token, body: { order: 'high' } })).status).toBe(400);
    expect((await hs.request('PUT', `${tags}/u.bad`, { token: bob.access_token, body: { order: 2 } })).status).toBe(400);
    expect((await hs.request('GET', tags, { token: bob.access_token })).body).toEqual({ tags: { 'm.favourite': { order: 0.25 }, 'u.work': {} } });
    expect((await hs.request('DELETE', `${tags}/u.work`, { token: bob.access_token })).status).toBe(200);
    expect((await hs.request('GET', tags, { token: alice.access_token })).status).toBe(403);
    const body = await sync(hs, bob);
    expect(body.rooms.join[roomId]!.account_data.events).toContainEqual({ type: 'm.tag', content: { tags: { 'm.favourite': { order: 0.25 } } } });
  });

  test('typing appears in ephemeral and wakes a long-poll; only for oneself and members', async () => {
    const start = await sync(hs, alice);
    const waiting = sync(hs, alice, { since: start.next_batch, timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 50));
    const typing = v3(`/rooms/${enc(roomId)}/typing/${enc(bob.user_id)}`);
    expect((await hs.request('PUT', typing, { token: bob.access_token, body: { typing: true, timeout: 30_000 } })).status).toBe(200);
    const woke = await waiting;
    expect(woke.rooms.join[roomId]!.ephemeral!.events).toContainEqual({ type: 'm.typing', content: { user_ids: [bob.user_id] } });
    expect((await hs.request('PUT', typing, { token: alice.access_token, body: { typing: true } })).status).toBe(403);
    const outsider = await hs.createUser('outsider');
    const notMember = await hs.request('PUT', v3(`/rooms/${enc(roomId)}/typing/${enc(outsider.user_id)}`), { token: outsider.access_token, body: { typing: true } });
    expect(notMember.status).toBe(403);
    await hs.request('PUT', typing, { token: bob.access_token, body: { typing: false } });
    const stopped = await sync(hs, alice, { since: woke.next_batch });
    expect(stopped.rooms.join[roomId]!.ephemeral!.events).toContainEqual({ type: 'm.typing', content: { user_ids: [] } });
  });

  test('receipts: public and threaded seen by others, private only by their owner; read markers', async () => {
    const eventId = await sendMessage(hs, alice, roomId, 'read me');
    const start = await sync(hs, alice);
    const receipt = (user: Credentials, type: string, body: unknown = {}) =>
      hs.request('POST', v3(`/rooms/${enc(roomId)}/receipt/${type}/${enc(eventId)}`), { token: user.access_token, body });
    expect((await receipt(bob, 'm.read')).status).toBe(200);
    expect((await receipt(carol, 'm.read.private')).status).toBe(200);
    expect((await receipt(carol, 'm.read', { thread_id: 'main' })).status).toBe(200);
    expect((await receipt(carol, 'm.read', { thread_id: '' })).status).toBe(400);
    expect((await receipt(carol, 'm.unknown')).status).toBe(400);
    const forAlice = await sync(hs, alice, { since: start.next_batch });
    const receipts = forAlice.rooms.join[roomId]!.ephemeral!.events.filter((e) => e.type === 'm.receipt');
    const content = Object.assign({}, ...receipts.map((r) => r.content)) as Record<string, Record<string, Record<string, unknown>>>;
    expect(content[eventId]!['m.read']![bob.user_id]).toEqual({ ts: expect.any(Number) });
    expect(content[eventId]!['m.read']![carol.user_id]).toEqual({ ts: expect.any(Number), thread_id: 'main' });
    expect(content[eventId]!['m.read.private']).toBeUndefined();
    const forCarol = await sync(hs, carol);
    const carolReceipts = forCarol.rooms.join[roomId]!.ephemeral!.events.filter((e) => e.type === 'm.receipt');
    expect(JSON.stringify(carolReceipts)).toContain('m.read.private');

    const markers = await hs.request('POST', v3(`/rooms/${enc(roomId)}/read_markers`), {
      token: bob.access_token,
      body: { 'm.fully_read': eventId, 'm.read.private': eventId },
    });
    expect(markers.status).toBe(200);
    const fullyRead = await hs.request('GET', v3(`/user/${enc(bob.user_id)}/rooms/${enc(roomId)}/account_data/m.fully_read`), { token: bob.access_token });
    expect(fullyRead.body).toEqual({ event_id: eventId });
    const unknownEvent = await hs.request('POST', v3(`/rooms/${enc(roomId)}/receipt/m.read/${enc(`$${'a'.repeat(43)}`)}`), { token: bob.access_token, body: {} });
    expect(unknownEvent.status).toBe(404);
  });

  test('ignored users: their messages and invites are hidden', async () => {
    const room = await createRoom(hs, bob, { preset: 'public_chat' });
    await joinRoom(hs, carol, room);
    await sendMessage(hs, bob, room, 'from bob');
    await hs.request('PUT', v3(`/user/${enc(carol.user_id)}/account_data/m.ignored_user_list`), {
      token: carol.access_token,
      body: { ignored_users: { [bob.user_id]: {} } },
    });
    const body = await sync(hs, carol);
    expect(bodies(body.rooms.join[room]!.timeline.events)).not.toContain('from bob');
    const privateRoom = await createRoom(hs, bob, { invite: [carol.user_id] });
    expect((await sync(hs, carol)).rooms.invite[privateRoom]).toBeUndefined();
  });

  test('lazy-loading members: only the senders, redundant ones left out unless asked', async () => {
    // Named: no heroes, whose members lazy loading would have to send too.
    const room = await createRoom(hs, alice, { preset: 'public_chat', name: 'Lazy' });
    await joinRoom(hs, bob, room);
    await joinRoom(hs, carol, room);
    await sendMessage(hs, bob, room, 'bob speaks');
    const lazy = { room: { timeline: { limit: 1 }, state: { lazy_load_members: true } } };
    const first = await sync(hs, alice, { filter: lazy });
    const members = (b: typeof first) => b.rooms.join[room]!.state.events.filter((e) => e.type === 'm.room.member').map((e) => e.state_key);
    expect(members(first).sort()).toEqual([alice.user_id, bob.user_id].sort());
    await sendMessage(hs, bob, room, 'bob again');
    const again = await sync(hs, alice, { filter: lazy, since: first.next_batch });
    expect(members(again)).toEqual([]);
    await sendMessage(hs, bob, room, 'bob thrice');
    const redundant = await sync(hs, alice, {
      filter: { room: { timeline: { limit: 1 }, state: { lazy_load_members: true, include_redundant_members: true } } },
      since: again.next_batch,
    });
    expect(members(redundant)).toEqual([bob.user_id]);
    const eager = await sync(hs, alice, { filter: { room: { timeline: { limit: 1 } } } });
    expect(members(eager).sort()).toEqual([alice.user_id, bob.user_id, carol.user_id].sort());
  });
});
