/**
 * Aliases and profiles of another server (server-server "Querying for
 * information"): B's users resolve A's aliases through /directory/room, join
 * A's rooms by alias, and read A's users' profiles; what A does not have is
 * 404 at B too.
 */
import { DB_KINDS } from '../../../client-api/test/support/test-server.js';
import { withLatticePair, type Lattice } from './lattice-pair.js';

const enc = encodeURIComponent;

describe.each(DB_KINDS)('queries to another server (%s)', (kind) => {
  let a: Lattice;
  let b: Lattice;
  withLatticePair(kind, (servers) => {
    [a, b] = servers;
  });

  test("a remote alias resolves through its server, and a join by that alias joins the room over federation", async () => {
    const alice = await a.createUser('alice');
    const bob = await b.createUser('bob');
    const created = await a.request<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', alice.token, {
      preset: 'public_chat',
      room_alias_name: 'lobby',
    });
    expect(created.status).toBe(200);
    const alias = `#lobby:${a.serverName}`;

    const resolved = await b.request<{ room_id: string; servers: string[] }>('GET', `/_matrix/client/v3/directory/room/${enc(alias)}`, bob.token);
    expect(resolved.status).toBe(200);
    expect(resolved.body.room_id).toBe(created.body.room_id);
    expect(resolved.body.servers).toContain(a.serverName);

    const joined = await b.request<{ room_id: string }>('POST', `/_matrix/client/v3/join/${enc(alias)}`, bob.token, {});
    expect(joined.status).toBe(200);
    expect(joined.body.room_id).toBe(created.body.room_id);
    expect((await a.ctx.rooms.store.membership(created.body.room_id, bob.userId))?.membership).toBe('join');
    expect((await b.ctx.rooms.store.membership(created.body.room_id, bob.userId))?.membership).toBe('join');

    // Joined now: the same alias names a room B is in, and a second join changes nothing.
    const again = await b.request<{ room_id: string }>('POST', `/_matrix/client/v3/join/${enc(alias)}`, bob.token, {});
    expect([again.status, again.body.room_id]).toEqual([200, created.body.room_id]);
  });

  test('an alias the remote server does not have is 404 M_NOT_FOUND, and joining it changes nothing', async () => {
    const bob = await b.createUser('bob2');
    const alias = `#nowhere:${a.serverName}`;
    const resolved = await b.request<{ errcode: string }>('GET', `/_matrix/client/v3/directory/room/${enc(alias)}`, bob.token);
    expect([resolved.status, resolved.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
    const joined = await b.request<{ errcode: string }>('POST', `/_matrix/client/v3/join/${enc(alias)}`, bob.token, {});
    expect([joined.status, joined.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
    expect(await b.ctx.rooms.store.roomsForUser(bob.userId)).toEqual([]);
  });

  test("a remote user's profile comes from their server; an unknown user's is 404", async () => {
    const alice = await a.createUser('alice3');
    const bob = await b.createUser('bob3');
    const set = await a.request('PUT', `/_matrix/client/v3/profile/${enc(alice.userId)}/displayname`, alice.token, { displayname: 'Alice of A' });
    expect(set.status).toBe(200);

    const profile = await b.request<Record<string, unknown>>('GET', `/_matrix/client/v3/profile/${enc(alice.userId)}`, bob.token);
    expect(profile.status).toBe(200);
    expect(profile.body['displayname']).toBe('Alice of A');
    const field = await b.request<Record<string, unknown>>('GET', `/_matrix/client/v3/profile/${enc(alice.userId)}/displayname`, bob.token);
    expect([field.status, field.body]).toEqual([200, { displayname: 'Alice of A' }]);

    const unknown = await b.request<{ errcode: string }>('GET', `/_matrix/client/v3/profile/${enc(`@ghost:${a.serverName}`)}`, bob.token);
    expect([unknown.status, unknown.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
  });
});
