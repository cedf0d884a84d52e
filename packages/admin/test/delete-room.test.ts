/**
 * Delete room v2 over real HTTP: local users leave through real member
 * events and move to a replacement room, aliases move with them, the room is
 * blocked, and the purge deletes every row of the room from the database.
 */
import { DB_KINDS, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { createRoom, invite, joinRoom, sendMessage } from '../../client-api/test/support/rooms.js';
import { enc, startAdminTestServer, type AdminTestServer } from './support/rooms-admin-server.js';

interface DeleteStatus {
  status: string;
  error?: string;
  shutdown_room: { kicked_users: string[]; failed_to_kick_users: string[]; local_aliases: string[]; new_room_id: string | null };
}

/** Rows left for the room in every table that has a room_id column. */
async function rowsOfRoom(hs: AdminTestServer, roomId: string): Promise<Record<string, number>> {
  const { rows: tables } = await hs.db.query<{ table_name: string }>(
    `SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE c.table_schema = current_schema() AND c.column_name = 'room_id' AND t.table_type = 'BASE TABLE'`,
  );
  const left: Record<string, number> = {};
  for (const { table_name: table } of tables) {
    const { rows } = await hs.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}" WHERE room_id = $1`, [roomId]);
    if (rows[0]!.n > 0) left[table] = rows[0]!.n;
  }
  return left;
}

describe.each(DB_KINDS)('delete room v2 (%s)', (kind) => {
  let hs: AdminTestServer;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;

  beforeAll(async () => {
    hs = await startAdminTestServer(kind);
    [alice, bob, carol] = [await hs.createUser('alice'), await hs.createUser('bob'), await hs.createUser('carol')];
  });
  afterAll(() => hs.close());

  it('shuts a room down with real leave events, moves users and aliases, then purges every row', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat', name: 'Doomed', room_alias_name: 'doomed', visibility: 'public' });
    await joinRoom(hs, bob, roomId);
    await invite(hs, alice, roomId, carol.user_id);
    const last = await sendMessage(hs, bob, roomId, 'hello');
    await hs.request('POST', v3(`/rooms/${enc(roomId)}/receipt/m.read/${enc(last)}`), { token: alice.access_token, body: {} });
    await hs.request('PUT', v3(`/user/${enc(alice.user_id)}/rooms/${enc(roomId)}/account_data/org.example.x`), { token: alice.access_token, body: { a: 1 } });
    expect(Object.keys(await rowsOfRoom(hs, roomId))).toEqual(expect.arrayContaining(['events', 'receipts', 'account_data', 'room_aliases']));

    // First without purging: the leave events can be looked at.
    const started = await hs.adminRequest<{ delete_id: string }>('DELETE', `/v2/rooms/${enc(roomId)}`, {
      new_room_user_id: hs.admin.user_id,
      room_name: 'New home',
      message: 'Moved',
      block: true,
      purge: false,
    });
    expect(started.status).toBe(200);
    const status = await hs.poll<DeleteStatus>(`/v2/rooms/delete_status/${started.body.delete_id}`, (b) => b.status === 'complete' || b.status === 'failed');
    expect(status.status).toBe('complete');
    expect(status.shutdown_room).toMatchObject({
      kicked_users: [alice.user_id, bob.user_id, carol.user_id].sort(),
      failed_to_kick_users: [],
      local_aliases: ['#doomed:test.local'],
    });
    const newRoomId = status.shutdown_room.new_room_id!;
    expect(newRoomId).toMatch(/^!/);

    const state = await hs.adminRequest<{ state: Array<{ type: string; state_key: string; sender: string; content: { membership?: string } }> }>(
      'GET',
      `/v1/rooms/${enc(roomId)}/state`,
    );
    for (const user of [alice, bob, carol]) {
      const member = state.body.state.find((e) => e.type === 'm.room.member' && e.state_key === user.user_id)!;
      expect(member).toMatchObject({ sender: user.user_id, content: { membership: 'leave' } });
    }
    const joined = await hs.request<{ joined_rooms: string[] }>('GET', v3('/joined_rooms'), { token: bob.access_token });
    expect(joined.body.joined_rooms).toEqual([newRoomId]);
    const alias = await hs.request<{ room_id: string }>('GET', v3(`/directory/room/${enc('#doomed:test.local')}`), { token: bob.access_token });
    expect(alias.body.room_id).toBe(newRoomId);
    const notice = await hs.request<{ chunk: Array<{ type: string; sender: string; content: { body?: string } }> }>(
      'GET',
      v3(`/rooms/${enc(newRoomId)}/messages?dir=b&limit=5`),
      { token: bob.access_token },
    );
    expect(notice.body.chunk.find((e) => e.type === 'm.room.message')).toMatchObject({ sender: hs.admin.user_id, content: { body: 'Moved' } });
    const rejoin = await hs.request('POST', v3(`/rooms/${enc(roomId)}/join`), { token: bob.access_token, body: {} });
    expect(rejoin.status).toBe(403);

    // Then purge: no row of the room is left but the block and the jobs.
    const purge = await hs.adminRequest<{ delete_id: string }>('DELETE', `/v2/rooms/${enc(roomId)}`, {});
    expect(purge.status).toBe(200);
    const purged = await hs.poll<DeleteStatus>(`/v2/rooms/delete_status/${purge.body.delete_id}`, (b) => b.status === 'complete' || b.status === 'failed');
    expect(purged).toMatchObject({ status: 'complete', shutdown_room: { kicked_users: [], new_room_id: null } });
    expect(await rowsOfRoom(hs, roomId)).toEqual({ blocked_rooms: 1, room_delete_jobs: 2 });
    const { rows } = await hs.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE event_id = $1', [last]);
    expect(rows[0]!.n).toBe(0);

    const all = await hs.adminRequest<{ results: Array<{ delete_id: string; status: string }> }>('GET', `/v2/rooms/${enc(roomId)}/delete_status`);
    expect(all.body.results.map((r) => r.delete_id)).toEqual([started.body.delete_id, purge.body.delete_id]);
    expect((await hs.adminRequest('GET', `/v1/rooms/${enc(roomId)}`)).status).toBe(404);
    const stillBlocked = await hs.request('POST', v3(`/rooms/${enc(roomId)}/join`), { token: bob.access_token, body: {} });
    expect(stillBlocked.status).toBe(403);
    // Users moved to the replacement room get power level -10 there, as in Synapse: they read, not speak.
    const speak = await hs.request('PUT', v3(`/rooms/${enc(newRoomId)}/send/m.room.message/t1`), { token: bob.access_token, body: { body: 'x' } });
    expect(speak.status).toBe(403);
  });

  it('version 1 deletes and purges at once, answering the shutdown result', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, roomId);
    await sendMessage(hs, bob, roomId, 'bye');
    const reply = await hs.adminRequest('DELETE', `/v1/rooms/${enc(roomId)}`, {});
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ kicked_users: [alice.user_id, bob.user_id].sort(), failed_to_kick_users: [], local_aliases: [], new_room_id: null });
    expect(await rowsOfRoom(hs, roomId)).toEqual({ room_delete_jobs: 1 });
    // Not blocked: the room is simply gone.
    expect((await hs.request('POST', v3(`/rooms/${enc(roomId)}/join`), { token: bob.access_token, body: {} })).status).toBe(404);
    expect((await hs.request<{ joined_rooms: string[] }>('GET', v3('/joined_rooms'), { token: bob.access_token })).body.joined_rooms).not.toContain(roomId);
  });

  it('blocks an unknown room ahead of time, refuses bad requests', async () => {
    const unknown = '!unknown:test.local';
    expect((await hs.adminRequest('DELETE', `/v2/rooms/${enc(unknown)}`, {})).status).toBe(404);
    const blocked = await hs.adminRequest<{ delete_id: string }>('DELETE', `/v2/rooms/${enc(unknown)}`, { block: true });
    expect(blocked.status).toBe(200);
    await hs.poll<DeleteStatus>(`/v2/rooms/delete_status/${blocked.body.delete_id}`, (b) => b.status === 'complete');
    expect((await hs.adminRequest('GET', `/v1/rooms/${enc(unknown)}/block`)).body).toEqual({ block: true, user_id: hs.admin.user_id });

    const roomId = await createRoom(hs, alice, {});
    const badBlock = await hs.adminRequest('DELETE', `/v2/rooms/${enc(roomId)}`, { block: 'yes' });
    expect(badBlock.status).toBe(400);
    expect(badBlock.body).toMatchObject({ errcode: 'M_BAD_JSON' });
    expect((await hs.adminRequest('DELETE', `/v2/rooms/${enc(roomId)}`, { new_room_user_id: '@x:elsewhere.example' })).status).toBe(400);
    expect((await hs.adminRequest('DELETE', '/v2/rooms/not-a-room', {})).status).toBe(400);
    expect((await hs.adminRequest('GET', '/v2/rooms/delete_status/nope')).status).toBe(404);
    expect((await hs.adminRequest('GET', `/v2/rooms/${enc(roomId)}/delete_status`)).status).toBe(404);
    // Nothing happened to the room.
    expect((await hs.adminRequest('GET', `/v1/rooms/${enc(roomId)}`)).status).toBe(200);
    const notAdmin = await hs.request('DELETE', `/_synapse/admin/v2/rooms/${enc(roomId)}`, { token: alice.access_token, body: {} });
    expect(notAdmin.status).toBe(403);
  });
});
