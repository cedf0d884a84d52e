/**
 * Spaces across servers (space_hierarchy.yaml, both APIs): a space on B lists
 * rooms held by A, summarised by A over GET /_matrix/federation/v1/hierarchy;
 * a space on A is walked into, its children coming in the same answer; rooms A
 * would not let B's server peek or join are left out.
 */
import { DB_KINDS } from '../../../client-api/test/support/test-server.js';
import { FederationHierarchy } from '../../src/index.js';
import { withLatticePair, type Lattice } from './lattice-pair.js';

const enc = encodeURIComponent;

describe.each(DB_KINDS)('space hierarchy across servers (%s)', (kind) => {
  let a: Lattice;
  let b: Lattice;
  withLatticePair(kind, (servers) => {
    [a, b] = servers;
  });

  async function createRoom(server: Lattice, token: string, body: Record<string, unknown>): Promise<string> {
    const res = await server.request<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', token, body);
    expect(res.status).toBe(200);
    return res.body.room_id;
  }

  async function addChild(server: Lattice, token: string, spaceId: string, childId: string, via: string): Promise<void> {
    const res = await server.request('PUT', `/_matrix/client/v3/rooms/${enc(spaceId)}/state/m.space.child/${enc(childId)}`, token, { via: [via] });
    expect(res.status).toBe(200);
  }

  test("B's space shows A's public rooms and A's sub-space with its children, not A's invite-only room", async () => {
    const alice = await a.createUser('alice');
    const bob = await b.createUser('bob');
    const lobby = await createRoom(a, alice.token, { preset: 'public_chat', name: 'Lobby' });
    const secret = await createRoom(a, alice.token, { preset: 'private_chat', name: 'Secret' });
    const deep = await createRoom(a, alice.token, { preset: 'public_chat', name: 'Deep' });
    const aSpace = await createRoom(a, alice.token, { preset: 'public_chat', name: 'A space', creation_content: { type: 'm.space' } });
    await addChild(a, alice.token, aSpace, deep, a.serverName);
    const bSpace = await createRoom(b, bob.token, { preset: 'public_chat', name: 'B space', creation_content: { type: 'm.space' } });
    for (const child of [lobby, secret, aSpace]) await addChild(b, bob.token, bSpace, child, a.serverName);

    const res = await b.request<{ rooms: Array<{ room_id: string; name?: string; room_type?: string; children_state: Array<{ state_key: string }> }> }>(
      'GET',
      `/_matrix/client/v1/rooms/${enc(bSpace)}/hierarchy`,
      bob.token,
    );
    expect(res.status).toBe(200);
    const byId = new Map(res.body.rooms.map((r) => [r.room_id, r]));
    expect(byId.get(lobby)?.name).toBe('Lobby');
    expect(byId.get(aSpace)?.room_type).toBe('m.space');
    expect(byId.get(aSpace)?.children_state.map((c) => c.state_key)).toEqual([deep]);
    expect(byId.get(deep)?.name).toBe('Deep');
    expect(byId.has(secret)).toBe(false);
    expect(res.body.rooms[0]!.room_id).toBe(bSpace);
  });

  test("A answers B's server for rooms it may peek or join, and 404 for the others", async () => {
    const alice = await a.createUser('alice2');
    const open = await createRoom(a, alice.token, { preset: 'public_chat', name: 'Open' });
    const closed = await createRoom(a, alice.token, { preset: 'private_chat', name: 'Closed' });
    const fromB = b.ctx.remoteHierarchy!;
    expect(fromB).toBeInstanceOf(FederationHierarchy);
    expect((await fromB.summarize(open, [a.serverName], { suggestedOnly: false, userId: `@asking:${b.serverName}` }))?.summary.name).toBe('Open');
    expect(await fromB.summarize(closed, [a.serverName], { suggestedOnly: false, userId: `@asking:${b.serverName}` })).toBeUndefined();
  });
});
