/** GET /v1/rooms/{roomId}/hierarchy: depth-first order, child ordering, access rules, suggested_only, max_depth, pagination, errors. */
import { DB_KINDS, SERVER_NAME, startTestServer, type Credentials, type Reply, type TestServer } from '../support/test-server.js';
import { createRoom, invite, joinRoom, sendState } from '../support/rooms.js';

interface HierarchyRoom {
  room_id: string;
  name?: string;
  room_type?: string;
  num_joined_members: number;
  world_readable: boolean;
  guest_can_join: boolean;
  join_rule?: string;
  room_version?: string;
  allowed_room_ids?: string[];
  children_state: Array<{ type: string; state_key: string; content: Record<string, unknown>; sender: string; origin_server_ts: number }>;
}
type HierarchyReply = Reply<{ rooms: HierarchyRoom[]; next_batch?: string; errcode?: string }>;

const enc = encodeURIComponent;

describe.each(DB_KINDS)('/hierarchy on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let eve: Credentials;
  let space: string;
  let general: string;
  let secret: string;
  let subspace: string;
  let deep: string;
  let members: string;
  let knockable: string;

  const hierarchy = (user: Credentials, roomId: string, params: Record<string, string | number | boolean> = {}): Promise<HierarchyReply> => {
    const query = Object.entries(params).map(([k, v]) => `${k}=${enc(String(v))}`).join('&');
    return hs.request('GET', `/_matrix/client/v1/rooms/${enc(roomId)}/hierarchy${query ? `?${query}` : ''}`, { token: user.access_token });
  };
  const ids = (res: HierarchyReply) => res.body.rooms.map((r) => r.room_id);
  const addChild = (parent: string, child: string, content: Record<string, unknown> = {}) =>
    sendState(hs, alice, parent, 'm.space.child', child, { via: [SERVER_NAME], ...content });

  beforeAll(async () => {
    hs = await startTestServer(kind);
    [alice, bob, eve] = [await hs.createUser('alice'), await hs.createUser('bob'), await hs.createUser('eve')];
    const spaceRoom = { preset: 'public_chat', creation_content: { type: 'm.space' } };
    space = await createRoom(hs, alice, { ...spaceRoom, name: 'The space' });
    general = await createRoom(hs, alice, { preset: 'public_chat', name: 'General' });
    secret = await createRoom(hs, alice, { preset: 'private_chat', name: 'Secret' });
    subspace = await createRoom(hs, alice, { ...spaceRoom, name: 'Sub' });
    deep = await createRoom(hs, alice, { preset: 'public_chat', name: 'Deep' });
    members = await createRoom(hs, alice, {
      preset: 'private_chat',
      room_version: '10',
      name: 'Members only',
      initial_state: [{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: space }] } }],
    });
    knockable = await createRoom(hs, alice, {
      preset: 'private_chat',
      name: 'Knock',
      initial_state: [{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'knock' } }],
    });
    // Children of the space: ordered by `order` first, then by timestamp.
    await addChild(space, general, { order: 'b', suggested: true });
    await addChild(space, subspace, { order: 'a' });
    await addChild(space, secret);
    await addChild(space, members);
    await addChild(space, knockable);
    await addChild(space, '!unknown:elsewhere.example');
    await addChild(subspace, deep, { suggested: true });
    await addChild(subspace, space); // a loop back to the top
    // A removed child (no via) and a non-space room's children are ignored.
    await sendState(hs, alice, space, 'm.space.child', '!removed:elsewhere.example', {});
    await sendState(hs, alice, general, 'm.space.child', deep, { via: [SERVER_NAME] });
    await joinRoom(hs, bob, space);
  });
  afterAll(() => hs.close());

  test('walks depth first, in the spec order, skipping loops, unknown rooms and rooms the user may not see', async () => {
    const res = await hierarchy(bob, space);
    expect(res.status).toBe(200);
    // bob: joined the space (so the restricted room is visible), not invited to the private room.
    expect(ids(res)).toEqual([space, subspace, deep, general, members, knockable]);
    expect(res.body.next_batch).toBeUndefined();
    const root = res.body.rooms[0]!;
    expect(root).toMatchObject({ name: 'The space', room_type: 'm.space', num_joined_members: 2, join_rule: 'public', world_readable: false });
    expect(root.children_state.map((c) => c.state_key)).toEqual([subspace, general, secret, members, knockable, '!unknown:elsewhere.example']);
    expect(root.children_state[0]).toEqual({
      type: 'm.space.child',
      state_key: subspace,
      content: { via: [SERVER_NAME], order: 'a' },
      sender: alice.user_id,
      origin_server_ts: expect.any(Number),
    });
    expect(Object.keys(root.children_state[0]!).sort()).toEqual(['content', 'origin_server_ts', 'sender', 'state_key', 'type']);
    // Not a space: no children, even with m.space.child state.
    expect(res.body.rooms.find((r) => r.room_id === general)!.children_state).toEqual([]);
    expect(res.body.rooms.find((r) => r.room_id === members)).toMatchObject({ join_rule: 'restricted', allowed_room_ids: [space], room_version: '10' });

    // alice (member of everything) sees the private room too.
    expect(ids(await hierarchy(alice, space))).toEqual([space, subspace, deep, general, secret, members, knockable]);
    // An invite makes a room visible.
    await invite(hs, alice, secret, bob.user_id);
    expect(ids(await hierarchy(bob, space))).toContain(secret);
  });

  test('suggested_only and max_depth', async () => {
    const suggested = await hierarchy(alice, space, { suggested_only: true });
    expect(ids(suggested)).toEqual([space, general]);
    expect(suggested.body.rooms[0]!.children_state.map((c) => c.state_key)).toEqual([general]);
    expect(ids(await hierarchy(alice, space, { max_depth: 0 }))).toEqual([space]);
    expect(ids(await hierarchy(alice, space, { max_depth: 1 }))).toEqual([space, subspace, general, secret, members, knockable]);
    expect(ids(await hierarchy(alice, subspace))).toEqual([subspace, deep, space, general, secret, members, knockable]);
  });

  test('limit and from paginate through the same walk', async () => {
    const all = ids(await hierarchy(alice, space));
    const seen: string[] = [];
    let from: string | undefined;
    let pages = 0;
    do {
      const res = await hierarchy(alice, space, from ? { limit: 2, from } : { limit: 2 });
      expect(res.status).toBe(200);
      expect(res.body.rooms.length).toBeLessThanOrEqual(2);
      seen.push(...ids(res));
      from = res.body.next_batch;
      pages++;
    } while (from !== undefined && pages < 10);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 2));

    const first = await hierarchy(alice, space, { limit: 2 });
    const changed = await hierarchy(alice, space, { limit: 2, from: first.body.next_batch!, max_depth: 1 });
    expect([changed.status, changed.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    const otherRoom = await hierarchy(alice, subspace, { limit: 2, from: first.body.next_batch! });
    expect([otherRoom.status, otherRoom.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
  });

  test('children held by other servers come from the remote source (federation); a room already listed is not repeated', async () => {
    const remote = '!unknown:elsewhere.example';
    const asked: Array<{ roomId: string; via: readonly string[] }> = [];
    hs.ctx.remoteHierarchy = {
      summarize: (roomId, via) => {
        asked.push({ roomId, via });
        if (roomId !== remote) return Promise.resolve(undefined);
        return Promise.resolve({
          summary: { room_id: remote, num_joined_members: 3, world_readable: false, guest_can_join: false, join_rule: 'public', room_type: 'm.space', name: 'Remote' },
          childrenState: [{ type: 'm.space.child', state_key: deep, content: { via: ['elsewhere.example'] }, sender: '@x:elsewhere.example', origin_server_ts: 1 }],
        });
      },
    };
    try {
      const res = await hierarchy(bob, space);
      expect(ids(res)).toEqual([space, subspace, deep, general, secret, members, knockable, remote]);
      expect(asked).toEqual([{ roomId: remote, via: [SERVER_NAME] }]);
      expect(res.body.rooms.at(-1)).toMatchObject({ name: 'Remote', num_joined_members: 3 });
      // deep was already listed: the remote space's child is not repeated.
    } finally {
      delete hs.ctx.remoteHierarchy;
    }
  });

  test('rooms the user may not view are 403; bad parameters 400', async () => {
    expect([(await hierarchy(eve, secret)).status, (await hierarchy(eve, secret)).body.errcode]).toEqual([403, 'M_FORBIDDEN']);
    expect((await hierarchy(eve, '!nope:test.local')).status).toBe(403);
    // A public space is viewable without joining; the knock room too.
    expect(ids(await hierarchy(eve, space))).toEqual([space, subspace, deep, general, knockable]);
    const invalid: Array<Record<string, string | number>> = [{ limit: 0 }, { limit: -1 }, { limit: 'x' }, { max_depth: -1 }, { suggested_only: 'yes' }, { from: 'garbage' }];
    for (const params of invalid) {
      const res = await hierarchy(alice, space, params);
      expect([res.status, res.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    }
    const badRoom = await hierarchy(alice, 'not-a-room');
    expect([badRoom.status, badRoom.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    expect((await hs.request('GET', `/_matrix/client/v1/rooms/${enc(space)}/hierarchy`)).status).toBe(401);
  });
});
