/**
 * The headline: two real Lattice servers federating over TLS. A user on A
 * creates a room and invites a user on B; B's user sees the invite in /sync,
 * joins over federation, and both chat, each seeing the other's messages
 * through /sync.
 */
import { DB_KINDS } from '../../../client-api/test/support/test-server.js';
import { withLatticePair, type Lattice } from './lattice-pair.js';
import { syncUntil } from '../support/sync-until.js';

const enc = encodeURIComponent;
type SyncBody = { next_batch: string; rooms?: Record<string, Record<string, { timeline?: { events: Array<{ event_id: string; sender: string; content: Record<string, unknown> }> }; invite_state?: unknown }>> };

describe.each(DB_KINDS)('two Lattice servers federating (%s)', (kind) => {
  let a: Lattice;
  let b: Lattice;
  withLatticePair(kind, (servers) => {
    [a, b] = servers;
  });


  test('invite, join over federation, messages both ways through /sync', async () => {
    const alice = await a.createUser('alice');
    const bob = await b.createUser('bob');
    const created = await a.request<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', alice.token, { preset: 'private_chat', name: 'Across' });
    expect(created.status).toBe(200);
    const roomId = created.body.room_id;

    const invited = await a.request('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, alice.token, { user_id: bob.userId });
    expect(invited.status).toBe(200);
    const inviteSync = await syncUntil<SyncBody>(b, bob.token, undefined, (s) => s.rooms?.['invite']?.[roomId] !== undefined);
    expect(JSON.stringify(inviteSync.rooms!['invite']![roomId])).toContain('Across');

    const joined = await b.request<{ room_id: string }>('POST', `/_matrix/client/v3/join/${enc(roomId)}`, bob.token, {});
    expect(joined.status).toBe(200);
    expect(joined.body.room_id).toBe(roomId);
    expect((await a.ctx.rooms.store.membership(roomId, bob.userId))?.membership).toBe('join');
    const bobJoinSync = await syncUntil<SyncBody>(b, bob.token, inviteSync.next_batch, (s) => s.rooms?.['join']?.[roomId] !== undefined);

    const aliceSync0 = await a.request<SyncBody>('GET', '/_matrix/client/v3/sync?timeout=0', alice.token);
    const sent = await a.request<{ event_id: string }>('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/t1`, alice.token, { msgtype: 'm.text', body: 'hello from A' });
    expect(sent.status).toBe(200);
    const atB = await syncUntil<SyncBody>(b, bob.token, bobJoinSync.next_batch, (s) =>
      (s.rooms?.['join']?.[roomId]?.timeline?.events ?? []).some((e) => e.event_id === sent.body.event_id));
    expect(atB.rooms!['join']![roomId]!.timeline!.events.find((e) => e.event_id === sent.body.event_id)?.content['body']).toBe('hello from A');

    const reply = await b.request<{ event_id: string }>('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/t2`, bob.token, { msgtype: 'm.text', body: 'hello from B' });
    expect(reply.status).toBe(200);
    const atA = await syncUntil<SyncBody>(a, alice.token, aliceSync0.body.next_batch, (s) =>
      (s.rooms?.['join']?.[roomId]?.timeline?.events ?? []).some((e) => e.event_id === reply.body.event_id));
    const seen = atA.rooms!['join']![roomId]!.timeline!.events.find((e) => e.event_id === reply.body.event_id);
    expect([seen?.sender, seen?.content['body']]).toEqual([bob.userId, 'hello from B']);
  });

  test('a refused remote invite goes back through make_leave / send_leave; a leave reaches the other server', async () => {
    const alice = await a.createUser('alice2');
    const carol = await b.createUser('carol');
    const dave = await b.createUser('dave');
    const created = await a.request<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', alice.token, { preset: 'public_chat' });
    const roomId = created.body.room_id;
    expect((await a.request('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, alice.token, { user_id: carol.userId })).status).toBe(200);
    const refused = await b.request('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/leave`, carol.token, {});
    expect(refused.status).toBe(200);
    expect((await a.ctx.rooms.store.membership(roomId, carol.userId))?.membership).toBe('leave');
    expect((await b.ctx.rooms.store.roomsForUser(carol.userId)).find((r) => r.roomId === roomId)?.membership).toBe('leave');

    // dave joins through the public room's server (no invite), then leaves: A learns it over /send.
    expect((await b.request('POST', `/_matrix/client/v3/join/${enc(roomId)}?via=${enc(a.serverName)}`, dave.token, {})).status).toBe(200);
    const since = (await a.request<SyncBody>('GET', '/_matrix/client/v3/sync?timeout=0', alice.token)).body.next_batch;
    expect((await b.request('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/leave`, dave.token, {})).status).toBe(200);
    await syncUntil<SyncBody>(a, alice.token, since, (s) =>
      (s.rooms?.['join']?.[roomId]?.timeline?.events ?? []).some((e) => e.sender === dave.userId && e.content['membership'] === 'leave'));
    expect((await a.ctx.rooms.store.membership(roomId, dave.userId))?.membership).toBe('leave');
  });

  test('knocking on a remote room: the resident server has the knock, the knocker sees knock_state', async () => {
    const alice = await a.createUser('alice3');
    const frank = await b.createUser('frank');
    const created = await a.request<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', alice.token, {
      name: 'Knock knock',
      initial_state: [{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'knock' } }],
    });
    const roomId = created.body.room_id;
    const knocked = await b.request<{ room_id: string }>('POST', `/_matrix/client/v3/knock/${enc(roomId)}?via=${enc(a.serverName)}`, frank.token, { reason: 'let me in' });
    expect([knocked.status, knocked.body.room_id]).toEqual([200, roomId]);
    expect((await a.ctx.rooms.store.membership(roomId, frank.userId))?.membership).toBe('knock');
    const sync = await syncUntil<SyncBody>(b, frank.token, undefined, (s) => s.rooms?.['knock']?.[roomId] !== undefined);
    expect(JSON.stringify(sync.rooms!['knock']![roomId])).toContain('Knock knock');
  });

  test('joining an unknown remote room with no reachable server fails cleanly', async () => {
    const erin = await b.createUser('erin');
    const res = await b.request('POST', `/_matrix/client/v3/join/${enc('!nowhere:unknown.test')}`, erin.token, {});
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect((await b.ctx.rooms.store.roomsForUser(erin.userId))).toEqual([]);
  });
});
