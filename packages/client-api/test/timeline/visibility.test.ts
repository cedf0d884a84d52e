/**
 * History visibility through /messages and /context, and filterEventsForUser /
 * canSeeEvent directly: joined, invited, shared, world_readable, departures,
 * and the before-or-after rule for visibility changes and own membership.
 */
import { canSeeEvent, filterEventsForUser } from '@lattice/rooms';
import { DB_KINDS, startTestServer, v3, type Credentials, type TestServer } from '../support/test-server.js';
import { createRoom, invite, joinRoom, leaveRoom, sendEvent, sendMessage, sendState } from '../support/rooms.js';
import { allEventIds, enc, paginateAll, type ClientEvent } from './timeline-support.js';

describe.each(DB_KINDS)('history visibility on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let eve: Credentials;

  beforeAll(async () => {
    hs = await startTestServer(kind);
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
    eve = await hs.createUser('eve');
  });
  afterAll(() => hs.close());

  /** Everything `user` sees paging backwards from the end (oldest first), checking `end` ends it. */
  async function seen(user: Credentials, roomId: string): Promise<ClientEvent[]> {
    const pages = await paginateAll(hs, user, roomId, { dir: 'b', limit: 4 });
    return pages.flatMap((p) => p.chunk).reverse();
  }
  const bodies = (events: ClientEvent[]) => events.filter((e) => e.type === 'm.room.message').map((e) => e.content.body);

  /** A room with `visibility`: "before" while bob is out, "invited" once invited, "joined" once joined, "after" once he left. */
  async function story(visibility: string) {
    const roomId = await createRoom(hs, alice, { preset: 'private_chat', initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: visibility } }] });
    await sendMessage(hs, alice, roomId, 'before');
    await invite(hs, alice, roomId, bob.user_id);
    await sendMessage(hs, alice, roomId, 'invited');
    await joinRoom(hs, bob, roomId);
    await sendMessage(hs, alice, roomId, 'joined');
    await leaveRoom(hs, bob, roomId);
    await sendMessage(hs, alice, roomId, 'after');
    return roomId;
  }

  test('joined: from the join to the leave; own join and leave visible, the invite not', async () => {
    const roomId = await story('joined');
    const events = await seen(bob, roomId);
    expect(bodies(events)).toEqual(['joined']);
    const own = events.filter((e) => e.type === 'm.room.member' && e.state_key === bob.user_id).map((e) => e.content.membership);
    expect(own).toEqual(['join', 'leave']);
    expect(bodies(await seen(alice, roomId))).toEqual(['before', 'invited', 'joined', 'after']);
  });

  test('invited: from the invite to the leave', async () => {
    const roomId = await story('invited');
    const events = await seen(bob, roomId);
    expect(bodies(events)).toEqual(['invited', 'joined']);
    const own = events.filter((e) => e.type === 'm.room.member' && e.state_key === bob.user_id).map((e) => e.content.membership);
    expect(own).toEqual(['invite', 'join', 'leave']);
  });

  test('shared: everything before the leave, nothing after it', async () => {
    const roomId = await story('shared');
    const events = await seen(bob, roomId);
    expect(bodies(events)).toEqual(['before', 'invited', 'joined']);
    expect(events[0]!.type).toBe('m.room.create');
    // A departed user reads backwards from their leave, and forwards stops there.
    const forward = await paginateAll(hs, bob, roomId, { dir: 'f', limit: 5 });
    const last = forward.flatMap((p) => p.chunk).pop()!;
    expect([last.type, last.state_key, last.content.membership]).toEqual(['m.room.member', bob.user_id, 'leave']);
  });

  test('a user who joined later does not see history under joined, but does under shared', async () => {
    for (const [visibility, expected] of [['joined', ['late']], ['shared', ['early', 'late']]] as const) {
      const roomId = await createRoom(hs, alice, { preset: 'public_chat', initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: visibility } }] });
      await sendMessage(hs, alice, roomId, 'early');
      await joinRoom(hs, eve, roomId);
      await sendMessage(hs, alice, roomId, 'late');
      expect(bodies(await seen(eve, roomId))).toEqual(expected);
    }
  });

  test('world_readable: a non-member reads it, up to and including the change away from it', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat', initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'world_readable' } }] });
    await sendMessage(hs, alice, roomId, 'public 1');
    const change = await sendState(hs, alice, roomId, 'm.room.history_visibility', '', { history_visibility: 'joined' });
    await sendMessage(hs, alice, roomId, 'members only');
    // The room is no longer world_readable: a non-member may not read it at all now.
    const denied = await hs.request('GET', v3(`/rooms/${enc(roomId)}/messages?dir=b`), { token: eve.access_token });
    expect(denied.status).toBe(403);
    await sendState(hs, alice, roomId, 'm.room.history_visibility', '', { history_visibility: 'world_readable' });
    const events = await seen(eve, roomId);
    expect(bodies(events)).toEqual(['public 1']);
    // Both changes are visible to the outsider: the value before or after allows them.
    const changes = events.filter((e) => e.type === 'm.room.history_visibility');
    expect(changes.map((e) => e.content.history_visibility)).toEqual(['world_readable', 'joined', 'world_readable']);
    expect(changes[1]!.event_id).toBe(change);
  });

  test('filterEventsForUser and canSeeEvent agree with the endpoints', async () => {
    const roomId = await story('joined');
    const all = [...(await hs.ctx.rooms.store.getEvents(await allEventIds(hs, roomId))).values()];
    const visible = await filterEventsForUser(hs.db, bob.user_id, all);
    const viaHttp = await seen(bob, roomId);
    expect(visible.map((s) => s.event.event_id).sort()).toEqual(viaHttp.map((e) => e.event_id).sort());
    const before = all.find((s) => s.event.content.body === 'before')!;
    const joined = all.find((s) => s.event.content.body === 'joined')!;
    expect(await canSeeEvent(hs.db, bob.user_id, before)).toBe(false);
    expect(await canSeeEvent(hs.db, bob.user_id, joined)).toBe(true);
    expect(await canSeeEvent(hs.db, eve.user_id, joined)).toBe(false);
    expect(await filterEventsForUser(hs.db, bob.user_id, [])).toEqual([]);
  });

  test('a departed user sees no thread reply sent after they left, in /threads or in bundles', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, roomId);
    const root = await sendMessage(hs, alice, roomId, 'root');
    const thread = (body: string) => ({ msgtype: 'm.text', body, 'm.relates_to': { rel_type: 'm.thread', event_id: root } });
    const early = await sendEvent(hs, bob, roomId, 'm.room.message', thread('early reply'));
    await leaveRoom(hs, bob, roomId);
    const late = await sendEvent(hs, alice, roomId, 'm.room.message', thread('late reply'));

    const list = await hs.request<{ chunk: ClientEvent[] }>('GET', `/_matrix/client/v1/rooms/${enc(roomId)}/threads`, { token: bob.access_token });
    expect(list.body.chunk.map((e) => e.event_id)).toEqual([root]);
    const summary = list.body.chunk[0]!.unsigned!['m.relations']!['m.thread']!;
    expect(summary.latest_event.event_id).toBe(early);
    expect(JSON.stringify(list.body)).not.toContain(late);
    // Alice, still in the room, sees the late reply as the latest.
    const forAlice = await hs.request<{ chunk: ClientEvent[] }>('GET', `/_matrix/client/v1/rooms/${enc(roomId)}/threads`, { token: alice.access_token });
    expect(forAlice.body.chunk[0]!.unsigned!['m.relations']!['m.thread']!.latest_event.event_id).toBe(late);
    const replies = await hs.request<{ chunk: ClientEvent[] }>('GET', `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(root)}`, { token: bob.access_token });
    expect(replies.body.chunk.map((e) => e.event_id)).toEqual([early]);
  });

  test('/context refuses events the user may not see with 404, like unknown ones', async () => {
    const roomId = await story('joined');
    const ids = await allEventIds(hs, roomId);
    const events = await hs.ctx.rooms.store.getEvents(ids);
    const hidden = ids.find((id) => events.get(id)!.event.content.body === 'before')!;
    const shown = ids.find((id) => events.get(id)!.event.content.body === 'joined')!;
    const ctx = (eventId: string) => hs.request<{ errcode?: string }>('GET', v3(`/rooms/${enc(roomId)}/context/${enc(eventId)}`), { token: bob.access_token });
    expect((await ctx(hidden)).status).toBe(404);
    expect((await ctx(hidden)).body.errcode).toBe('M_NOT_FOUND');
    expect((await ctx(shown)).status).toBe(200);
  });
});
