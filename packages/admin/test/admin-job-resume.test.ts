/**
 * Admin jobs interrupted by a stopped process resume: the job rows are left as
 * a crash leaves them (unfinished, heartbeat stale, the work half done), then a
 * job runner starts, claims them (once: concurrent claims never share a job)
 * and runs them to the end; status polling shows them completing.
 */
import { resumeInterruptedJobs, startAdminJobRunner } from '@lattice/admin';
import { DB_KINDS, type Credentials } from '../../client-api/test/support/test-server.js';
import { createRoom, joinRoom, leaveRoom, sendMessage } from '../../client-api/test/support/rooms.js';
import { enc, startAdminTestServer, type AdminTestServer } from './support/rooms-admin-server.js';

interface DeleteStatus {
  status: string;
  error?: string;
  shutdown_room: { kicked_users: string[]; failed_to_kick_users: string[]; local_aliases: string[]; new_room_id: string | null };
}

/** An hour ago: long past the default staleness threshold. */
const LOST_AT = () => Date.now() - 3_600_000;

async function eventExists(hs: AdminTestServer, eventId: string): Promise<boolean> {
  const { rows } = await hs.db.query('SELECT 1 FROM events WHERE event_id = $1', [eventId]);
  return rows.length > 0;
}

async function pointOf(hs: AdminTestServer, eventId: string): Promise<{ topological: number; stream: number }> {
  const { rows } = await hs.db.query<{ topological_ordering: number; stream_ordering: number }>(
    'SELECT topological_ordering, stream_ordering FROM events WHERE event_id = $1',
    [eventId],
  );
  return { topological: Number(rows[0]!.topological_ordering), stream: Number(rows[0]!.stream_ordering) };
}

async function lostDeletion(hs: AdminTestServer, deleteId: string, roomId: string, status: string, result: object, params: object): Promise<void> {
  await hs.db.query(
    `INSERT INTO room_delete_jobs (delete_id, room_id, status, result, started_ts, heartbeat_ts, params)
     VALUES ($1, $2, $3, $4::jsonb, $5, $5, $6::jsonb)`,
    [deleteId, roomId, status, JSON.stringify(result), LOST_AT(), JSON.stringify(params)],
  );
}

describe.each(DB_KINDS)('interrupted admin jobs resume (%s)', (kind) => {
  let hs: AdminTestServer;
  let alice: Credentials;
  let bob: Credentials;

  beforeAll(async () => {
    hs = await startAdminTestServer(kind);
    [alice, bob] = [await hs.createUser('alice'), await hs.createUser('bob')];
  });
  afterAll(() => hs.close());

  it('a half-done history purge is claimed at start-up and finished; status goes from active to complete', async () => {
    const roomId = await createRoom(hs, alice, {});
    const old: string[] = [];
    for (let i = 0; i < 6; i++) old.push(await sendMessage(hs, alice, roomId, `old ${i}`));
    const kept = await sendMessage(hs, alice, roomId, 'kept');
    await sendMessage(hs, alice, roomId, 'latest');
    // The crashed purge had done its first batch (the oldest three events) before its process stopped.
    const first = await hs.adminRequest<{ purge_id: string }>('POST', `/v1/purge_history/${enc(roomId)}`, {
      purge_up_to_event_id: old[3],
      delete_local_events: true,
    });
    await hs.poll<{ status: string }>(`/v1/purge_history_status/${first.body.purge_id}`, (b) => b.status === 'complete');
    expect(await Promise.all(old.map((id) => eventExists(hs, id)))).toEqual([false, false, false, true, true, true]);
    const params = { before: await pointOf(hs, kept), delete_local_events: true };
    await hs.db.query(
      `INSERT INTO purge_history_jobs (purge_id, room_id, status, deleted, started_ts, heartbeat_ts, params)
       VALUES ('crashed', $1, 'active', 3, $2, $2, $3::jsonb)`,
      [roomId, LOST_AT(), JSON.stringify(params)],
    );

    // Until a runner takes it over the job is still under way, and it holds the room.
    expect((await hs.adminRequest('GET', '/v1/purge_history_status/crashed')).body).toEqual({ status: 'active' });
    expect((await hs.adminRequest('POST', `/v1/purge_history/${enc(roomId)}`, { purge_up_to_event_id: kept })).status).toBe(400);

    const runner = startAdminJobRunner(hs.ctx);
    try {
      await runner.resumed;
    } finally {
      runner.stop();
    }
    expect((await hs.adminRequest('GET', '/v1/purge_history_status/crashed')).body).toEqual({ status: 'complete' });
    for (const id of old) expect(await eventExists(hs, id)).toBe(false);
    expect(await eventExists(hs, kept)).toBe(true);
    const { rows } = await hs.db.query<{ deleted: number }>(`SELECT deleted::int AS deleted FROM purge_history_jobs WHERE purge_id = 'crashed'`);
    expect(rows[0]!.deleted).toBe(6);
    // Finished jobs are not taken again, and the room is free for new purges.
    expect(await resumeInterruptedJobs(hs.ctx)).toEqual([]);
    expect((await hs.adminRequest('POST', `/v1/purge_history/${enc(roomId)}`, { purge_up_to_event_id: kept })).status).toBe(200);
  });

  it('two runners claiming at once never run the same job twice; live jobs are left alone', async () => {
    const roomId = await createRoom(hs, alice, {});
    const old = await sendMessage(hs, alice, roomId, 'old');
    const kept = await sendMessage(hs, alice, roomId, 'kept');
    await sendMessage(hs, alice, roomId, 'latest');
    const params = JSON.stringify({ before: await pointOf(hs, kept), delete_local_events: true });
    await hs.db.query(
      `INSERT INTO purge_history_jobs (purge_id, room_id, status, started_ts, heartbeat_ts, params) VALUES
         ('race', $1, 'active', $2, $2, $4::jsonb), ('alive', '!elsewhere:test.local', 'active', $3, $3, $4::jsonb)`,
      [roomId, LOST_AT(), Date.now(), params],
    );
    const claims = await Promise.all([resumeInterruptedJobs(hs.ctx), resumeInterruptedJobs(hs.ctx), resumeInterruptedJobs(hs.ctx)]);
    expect(claims.flat()).toEqual(['race']);
    expect(await eventExists(hs, old)).toBe(false);
    expect((await hs.adminRequest('GET', '/v1/purge_history_status/race')).body).toEqual({ status: 'complete' });
    // A job whose heartbeat is fresh is another process's: claimed only under a threshold it has outlived.
    expect((await hs.adminRequest('GET', '/v1/purge_history_status/alive')).body).toEqual({ status: 'active' });
    await hs.db.query(`UPDATE purge_history_jobs SET heartbeat_ts = $1 WHERE purge_id = 'alive'`, [Date.now() - 60_000]);
    expect(await resumeInterruptedJobs(hs.ctx)).toEqual([]);
    expect(await resumeInterruptedJobs(hs.ctx, { staleAfterMs: 30_000 })).toEqual(['alive']);
    expect((await hs.adminRequest('GET', '/v1/purge_history_status/alive')).body).toEqual({ status: 'complete' });
  });

  it('a deletion interrupted while shutting down goes on from its saved progress, then purges and completes', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat', room_alias_name: `resumed${Date.now()}` });
    await joinRoom(hs, bob, roomId);
    await sendMessage(hs, bob, roomId, 'hello');
    // Before the crash: the replacement room was made and bob was removed (both recorded); alice was not yet.
    const newRoom = await createRoom(hs, hs.admin, { name: 'New home' });
    await leaveRoom(hs, bob, roomId);
    const progress = { kicked_users: [bob.user_id], failed_to_kick_users: [], local_aliases: [], new_room_id: newRoom };
    const deletion = {
      roomId,
      requester: hs.admin.user_id,
      block: true,
      purge: true,
      forcePurge: false,
      known: true,
      roomName: 'New home',
      message: 'Moved',
      newRoomUserId: hs.admin.user_id,
    };
    await lostDeletion(hs, 'crashed-shutdown', roomId, 'shutting_down', progress, deletion);
    const before = await hs.adminRequest<DeleteStatus>('GET', '/v2/rooms/delete_status/crashed-shutdown');
    expect(before.body.status).toBe('shutting_down');
    expect((await hs.adminRequest('DELETE', `/v2/rooms/${enc(roomId)}`, {})).status).toBe(400);

    expect(await resumeInterruptedJobs(hs.ctx)).toEqual(['crashed-shutdown']);
    const after = await hs.adminRequest<DeleteStatus>('GET', '/v2/rooms/delete_status/crashed-shutdown');
    expect(after.body).toEqual({
      status: 'complete',
      shutdown_room: {
        kicked_users: [bob.user_id, alice.user_id],
        failed_to_kick_users: [],
        local_aliases: [expect.stringMatching(/^#resumed/)],
        // The replacement room made before the crash, not a second one.
        new_room_id: newRoom,
      },
    });
    const { rows: events } = await hs.db.query('SELECT 1 FROM events WHERE room_id = $1', [roomId]);
    expect(events).toEqual([]);
    const { rows: blocked } = await hs.db.query('SELECT 1 FROM blocked_rooms WHERE room_id = $1', [roomId]);
    expect(blocked).toHaveLength(1);
    const { rows: rooms } = await hs.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM rooms WHERE room_id = $1`, [newRoom]);
    expect(rooms[0]!.n).toBe(1);
  });

  it('a deletion interrupted while purging purges without shutting down again', async () => {
    const roomId = await createRoom(hs, alice, {});
    await sendMessage(hs, alice, roomId, 'bye');
    await leaveRoom(hs, alice, roomId);
    const result = { kicked_users: [alice.user_id], failed_to_kick_users: [], local_aliases: [], new_room_id: null };
    const deletion = { roomId, requester: hs.admin.user_id, block: false, purge: true, forcePurge: false, known: true, roomName: 'x', message: 'y' };
    await lostDeletion(hs, 'crashed-purge', roomId, 'purging', result, deletion);
    expect(await resumeInterruptedJobs(hs.ctx)).toEqual(['crashed-purge']);
    const status = await hs.adminRequest<{ results: DeleteStatus[] }>('GET', `/v2/rooms/${enc(roomId)}/delete_status`);
    expect(status.body.results).toEqual([{ delete_id: 'crashed-purge', status: 'complete', shutdown_room: result }]);
    const { rows } = await hs.db.query('SELECT 1 FROM rooms WHERE room_id = $1', [roomId]);
    expect(rows).toEqual([]);
  });

  it('a job recorded without its parameters cannot resume: it fails with the reason', async () => {
    const roomId = await createRoom(hs, alice, {});
    await hs.db.query(
      `INSERT INTO room_delete_jobs (delete_id, room_id, status, result, started_ts, heartbeat_ts)
       VALUES ('legacy', $1, 'purging', '{"kicked_users":[],"failed_to_kick_users":[],"local_aliases":[],"new_room_id":null}'::jsonb, $2, $2)`,
      [roomId, LOST_AT()],
    );
    expect(await resumeInterruptedJobs(hs.ctx)).toEqual(['legacy']);
    const status = await hs.adminRequest<DeleteStatus>('GET', '/v2/rooms/delete_status/legacy');
    expect(status.body).toMatchObject({ status: 'failed', error: expect.stringContaining('interrupted') });
    const { rows } = await hs.db.query('SELECT 1 FROM rooms WHERE room_id = $1', [roomId]);
    expect(rows).toHaveLength(1);
  });
});
