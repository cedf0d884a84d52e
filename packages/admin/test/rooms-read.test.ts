/**
 * The rooms admin API over real HTTP, with rooms and events made through the
 * client API: the room list (order, direction, paging, search), details,
 * members, state, messages, blocking, forward extremities, make_room_admin,
 * and refusal of non-admins.
 */
import { DB_KINDS, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { createRoom, invite, joinRoom, sendMessage, sendState } from '../../client-api/test/support/rooms.js';
import { enc, startAdminTestServer, type AdminTestServer } from './support/rooms-admin-server.js';

interface ListedRoom {
  room_id: string;
  name: string | null;
  canonical_alias: string | null;
  joined_members: number;
  joined_local_members: number;
  state_events: number;
  public: boolean;
  join_rules: string;
  creator: string;
  encryption: string | null;
}
interface RoomList {
  rooms: ListedRoom[];
  offset: number;
  total_rooms: number;
  next_batch?: number;
  prev_batch?: number;
}

describe.each(DB_KINDS)('rooms admin API (%s)', (kind) => {
  let hs: AdminTestServer;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;
  let alpha: string;
  let beta: string;
  let gamma: string;

  beforeAll(async () => {
    hs = await startAdminTestServer(kind);
    [alice, bob, carol] = [await hs.createUser('alice'), await hs.createUser('bob'), await hs.createUser('carol')];
    alpha = await createRoom(hs, alice, { name: 'Alpha lounge', preset: 'public_chat', room_alias_name: 'alpha', visibility: 'public' });
    beta = await createRoom(hs, bob, { name: 'beta', preset: 'private_chat', initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }] });
    gamma = await createRoom(hs, carol, { name: 'Gamma', preset: 'public_chat' });
    await joinRoom(hs, bob, alpha);
    await joinRoom(hs, carol, alpha);
    await joinRoom(hs, alice, gamma);
    for (let i = 0; i < 5; i++) await sendMessage(hs, alice, alpha, `message ${i}`);
  });
  afterAll(() => hs.close());

  it('refuses users who are not server admins', async () => {
    const reply = await hs.request('GET', '/_synapse/admin/v1/rooms', { token: alice.access_token });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    const purge = await hs.request('POST', `/_synapse/admin/v1/purge_history/${enc(alpha)}`, { token: alice.access_token, body: { purge_up_to_ts: Date.now() } });
    expect(purge.status).toBe(403);
  });

  it('lists rooms by name with their details', async () => {
    const { status, body } = await hs.adminRequest<RoomList>('GET', '/v1/rooms');
    expect(status).toBe(200);
    expect(body.total_rooms).toBe(3);
    expect(body.offset).toBe(0);
    expect(body.next_batch).toBeUndefined();
    expect(body.rooms.map((r) => r.name)).toEqual(['Alpha lounge', 'Gamma', 'beta']);
    const a = body.rooms[0]!;
    expect(a).toMatchObject({
      room_id: alpha,
      canonical_alias: `#alpha:test.local`,
      joined_members: 3,
      joined_local_members: 3,
      creator: alice.user_id,
      public: true,
      join_rules: 'public',
      encryption: null,
    });
    expect(body.rooms[2]).toMatchObject({ room_id: beta, encryption: 'm.megolm.v1.aes-sha2', join_rules: 'invite', public: false });
  });

  it('orders by size largest first, reverses with dir=b, pages with from/limit', async () => {
    const bySize = await hs.adminRequest<RoomList>('GET', '/v1/rooms?order_by=joined_members');
    expect(bySize.body.rooms.map((r) => r.room_id)).toEqual([alpha, gamma, beta]);
    const reversed = await hs.adminRequest<RoomList>('GET', '/v1/rooms?order_by=joined_members&dir=b');
    expect(reversed.body.rooms.map((r) => r.room_id)).toEqual([beta, gamma, alpha]);
    const byState = await hs.adminRequest<RoomList>('GET', '/v1/rooms?order_by=state_events');
    const counts = byState.body.rooms.map((r) => r.state_events);
    expect([...counts].sort((x, y) => y - x)).toEqual(counts);

    const first = await hs.adminRequest<RoomList>('GET', '/v1/rooms?limit=2');
    expect(first.body.rooms).toHaveLength(2);
    expect(first.body.next_batch).toBe(2);
    expect(first.body.prev_batch).toBeUndefined();
    const second = await hs.adminRequest<RoomList>('GET', `/v1/rooms?limit=2&from=${first.body.next_batch}`);
    expect(second.body.rooms.map((r) => r.name)).toEqual(['beta']);
    expect(second.body).toMatchObject({ offset: 2, total_rooms: 3, prev_batch: 0 });
    expect(second.body.next_batch).toBeUndefined();
  });

  it('searches names, aliases and room ids', async () => {
    const byName = await hs.adminRequest<RoomList>('GET', '/v1/rooms?search_term=LOUNGE');
    expect(byName.body.rooms.map((r) => r.room_id)).toEqual([alpha]);
    expect(byName.body.total_rooms).toBe(1);
    const byId = await hs.adminRequest<RoomList>('GET', `/v1/rooms?search_term=${enc(gamma)}`);
    expect(byId.body.rooms.map((r) => r.room_id)).toEqual([gamma]);
    const none = await hs.adminRequest<RoomList>('GET', '/v1/rooms?search_term=nothing%25here');
    expect(none.body).toMatchObject({ rooms: [], total_rooms: 0 });
  });

  it('refuses malformed list parameters', async () => {
    for (const query of ['order_by=colour', 'dir=x', 'from=-1', 'limit=ten']) {
      const reply = await hs.adminRequest('GET', `/v1/rooms?${query}`);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    }
  });

  it('shows details, members and current state of any room', async () => {
    const details = await hs.adminRequest('GET', `/v1/rooms/${enc(alpha)}`);
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({
      room_id: alpha,
      name: 'Alpha lounge',
      joined_members: 3,
      joined_local_devices: 3,
      forgotten: false,
      version: expect.any(String),
    });
    const members = await hs.adminRequest<{ members: string[]; total: number }>('GET', `/v1/rooms/${enc(alpha)}/members`);
    expect(members.body).toEqual({ members: [alice.user_id, bob.user_id, carol.user_id].sort(), total: 3 });
    // The admin is not in the room and still reads its state.
    const state = await hs.adminRequest<{ state: Array<{ type: string; state_key: string; content: Record<string, unknown> }> }>('GET', `/v1/rooms/${enc(beta)}/state`);
    expect(state.status).toBe(200);
    expect(state.body.state.find((e) => e.type === 'm.room.name')?.content).toEqual({ name: 'beta' });
    expect(state.body.state.filter((e) => e.type === 'm.room.member').map((e) => e.state_key)).toEqual([bob.user_id]);

    const unknown = await hs.adminRequest('GET', `/v1/rooms/${enc('!nope:test.local')}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ errcode: 'M_NOT_FOUND' });
    const invalid = await hs.adminRequest('GET', '/v1/rooms/not-a-room/members');
    expect(invalid.status).toBe(400);
  });

  it('pages messages in both directions, with filters, for an admin outside the room', async () => {
    type Page = { chunk: Array<{ type: string; content: { body?: string } }>; start: string; end?: string };
    const latest = await hs.adminRequest<Page>('GET', `/v1/rooms/${enc(alpha)}/messages?dir=b&limit=3`);
    expect(latest.status).toBe(200);
    expect(latest.body.chunk.map((e) => e.content.body)).toEqual(['message 4', 'message 3', 'message 2']);
    const older = await hs.adminRequest<Page>('GET', `/v1/rooms/${enc(alpha)}/messages?dir=b&limit=3&from=${enc(latest.body.end!)}`);
    expect(older.body.chunk.map((e) => e.content.body)).toEqual(['message 1', 'message 0', undefined]);

    const filter = enc(JSON.stringify({ types: ['m.room.message'] }));
    const forwards = await hs.adminRequest<Page>('GET', `/v1/rooms/${enc(alpha)}/messages?dir=f&limit=2&filter=${filter}`);
    expect(forwards.body.chunk.map((e) => e.content.body)).toEqual(['message 0', 'message 1']);
    const rest = await hs.adminRequest<Page>('GET', `/v1/rooms/${enc(alpha)}/messages?dir=f&limit=10&filter=${filter}&from=${enc(forwards.body.end!)}`);
    expect(rest.body.chunk.map((e) => e.content.body)).toEqual(['message 2', 'message 3', 'message 4']);
    expect(rest.body.end).toBeUndefined();

    const bad = await hs.adminRequest('GET', `/v1/rooms/${enc(alpha)}/messages?from=garbage`);
    expect(bad.status).toBe(400);
  });

  it('blocks a room: local users can no longer join it, until unblocked', async () => {
    expect((await hs.adminRequest('GET', `/v1/rooms/${enc(gamma)}/block`)).body).toEqual({ block: false });
    expect((await hs.adminRequest('PUT', `/v1/rooms/${enc(gamma)}/block`, { block: true })).body).toEqual({ block: true });
    expect((await hs.adminRequest('GET', `/v1/rooms/${enc(gamma)}/block`)).body).toEqual({ block: true, user_id: hs.admin.user_id });
    const join = await hs.request('POST', v3(`/rooms/${enc(gamma)}/join`), { token: bob.access_token, body: {} });
    expect(join.status).toBe(403);
    expect(join.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    const joinById = await hs.request('POST', v3(`/join/${enc(gamma)}`), { token: bob.access_token, body: {} });
    expect(joinById.status).toBe(403);
    expect((await hs.adminRequest('PUT', `/v1/rooms/${enc(gamma)}/block`, { block: 'yes' })).status).toBe(400);
    expect((await hs.adminRequest('PUT', `/v1/rooms/${enc(gamma)}/block`, { block: false })).body).toEqual({ block: false });
    expect(await joinRoom(hs, bob, gamma)).toBe(gamma);
  });

  it('reports forward extremities', async () => {
    const reply = await hs.adminRequest<{ count: number; results: Array<{ event_id: string; depth: number; state_group: number }> }>(
      'GET',
      `/v1/rooms/${enc(alpha)}/forward_extremities`,
    );
    expect(reply.status).toBe(200);
    expect(reply.body.count).toBe(1);
    expect(reply.body.results[0]).toMatchObject({ event_id: expect.stringMatching(/^\$/), depth: expect.any(Number), state_group: expect.any(Number) });
    const deleted = await hs.adminRequest('DELETE', `/v1/rooms/${enc(alpha)}/forward_extremities`);
    expect(deleted.body).toEqual({ deleted: 0 });
  });

  it('deletes all but the newest forward extremity of a forked room, which keeps working', async () => {
    const roomId = await createRoom(hs, alice, {});
    const older = await sendMessage(hs, alice, roomId, 'older');
    const newest = await sendMessage(hs, alice, roomId, 'newest');
    // A fork, as federation leaves one: an older event is a tip again.
    await hs.db.query('INSERT INTO event_forward_extremities (room_id, event_id) VALUES ($1, $2)', [roomId, older]);
    type Extremities = { count: number; results: Array<{ event_id: string }> };
    expect((await hs.adminRequest<Extremities>('GET', `/v1/rooms/${enc(roomId)}/forward_extremities`)).body.count).toBe(2);
    expect((await hs.adminRequest('DELETE', `/v1/rooms/${enc(roomId)}/forward_extremities`)).body).toEqual({ deleted: 1 });
    const left = await hs.adminRequest<Extremities>('GET', `/v1/rooms/${enc(roomId)}/forward_extremities`);
    expect(left.body.results.map((r) => r.event_id)).toEqual([newest]);
    const next = await sendMessage(hs, alice, roomId, 'next');
    const { rows } = await hs.db.query<{ prev_event_id: string }>('SELECT prev_event_id FROM event_edges WHERE event_id = $1', [next]);
    expect(rows.map((r) => r.prev_event_id)).toEqual([newest]);
  });

  it('make_room_admin joins a user to a private room and gives them the top local power level', async () => {
    const dave = await hs.createUser('dave');
    const reply = await hs.adminRequest('POST', `/v1/rooms/${enc(beta)}/make_room_admin`, { user_id: dave.user_id });
    expect(reply.status).toBe(200);
    const members = await hs.adminRequest<{ members: string[] }>('GET', `/v1/rooms/${enc(beta)}/members`);
    expect(members.body.members).toContain(dave.user_id);
    const levels = await hs.request<{ users: Record<string, number> }>('GET', v3(`/rooms/${enc(beta)}/state/m.room.power_levels/`), { token: dave.access_token });
    expect(levels.status).toBe(200);
    // bob created beta: in v12 creators are not listed and grant 100; earlier versions list bob at 100.
    expect(levels.body.users[dave.user_id]).toBe(100);
    // dave can now act as an admin of the room.
    await sendState(hs, dave, beta, 'm.room.topic', '', { topic: 'moderated' });
    await invite(hs, dave, beta, carol.user_id);

    const remote = await hs.adminRequest('POST', `/v1/rooms/${enc(beta)}/make_room_admin`, { user_id: '@x:elsewhere.example' });
    expect(remote.status).toBe(400);
  });
});
