/** POST /rooms/{roomId}/upgrade: the replacement room, copied state, power levels, aliases, tombstone, invites, v12, errors. */
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type Credentials, type Reply, type TestServer } from '../support/test-server.js';
import { createRoom, joinRoom, sendState } from '../support/rooms.js';

interface StateEvent {
  type: string;
  state_key: string;
  sender: string;
  event_id: string;
  content: Record<string, unknown>;
}

const enc = encodeURIComponent;

describe.each(DB_KINDS)('room upgrades on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;
  let mallory: Credentials;

  const upgrade = (user: Credentials, roomId: string, body: unknown): Promise<Reply<{ replacement_room: string; errcode?: string }>> =>
    hs.request('POST', v3(`/rooms/${enc(roomId)}/upgrade`), { token: user.access_token, body });
  const state = async (user: Credentials, roomId: string): Promise<StateEvent[]> => {
    const res = await hs.request<StateEvent[]>('GET', v3(`/rooms/${enc(roomId)}/state`), { token: user.access_token });
    if (res.status !== 200) throw new Error(`state failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const stateOf = (events: StateEvent[], type: string, stateKey = '') => events.find((e) => e.type === type && e.state_key === stateKey);
  const roomCount = async () => Number((await hs.db.query<{ n: string }>('SELECT count(*) AS n FROM rooms')).rows[0]!.n);
  const member = async (user: Credentials, roomId: string, target: string) => stateOf(await state(user, roomId), 'm.room.member', target)?.content['membership'];

  beforeAll(async () => {
    hs = await startTestServer(kind);
    [alice, bob, carol, mallory] = [await hs.createUser('alice'), await hs.createUser('bob'), await hs.createUser('carol'), await hs.createUser('mallory')];
  });
  afterAll(() => hs.close());

  test('an invite-only v10 space becomes a v11 one with its state, bans, aliases, publication and members invited', async () => {
    const alias = `#club:${SERVER_NAME}`;
    const alt = `#club-alt:${SERVER_NAME}`;
    const old = await createRoom(hs, alice, {
      room_version: '10',
      preset: 'private_chat',
      name: 'Club',
      topic: 'Members only',
      room_alias_name: 'club',
      visibility: 'public',
      creation_content: { type: 'm.space', 'm.federate': true },
      power_level_content_override: { users: { [alice.user_id]: 100, [bob.user_id]: 50 }, events_default: 0, invite: 0 },
      initial_state: [
        { type: 'm.room.avatar', state_key: '', content: { url: 'mxc://test.local/avatar' } },
        { type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } },
        { type: 'm.room.server_acl', state_key: '', content: { allow: ['*'], deny: ['evil.example'], allow_ip_literals: false } },
        { type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'invited' } },
      ],
      invite: [bob.user_id, mallory.user_id, carol.user_id],
    });
    await joinRoom(hs, bob, old);
    await joinRoom(hs, carol, old);
    await joinRoom(hs, mallory, old);
    await hs.request('POST', v3(`/rooms/${enc(old)}/ban`), { token: alice.access_token, body: { user_id: mallory.user_id, reason: 'spam' } });
    await hs.request('PUT', v3(`/directory/room/${enc(alt)}`), { token: alice.access_token, body: { room_id: old } });
    await sendState(hs, alice, old, 'm.room.canonical_alias', '', { alias, alt_aliases: [alt] });
    await sendState(hs, alice, old, 'm.space.child', `!child:${SERVER_NAME}`, { via: [SERVER_NAME] });
    const before = await state(alice, old);

    const res = await upgrade(alice, old, { new_version: '11' });
    expect(res.status).toBe(200);
    const replacement = res.body.replacement_room;
    expect(replacement).not.toBe(old);

    const next = await state(alice, replacement);
    const create = stateOf(next, 'm.room.create')!;
    expect(create.content).toEqual({
      room_version: '11',
      type: 'm.space',
      'm.federate': true,
      predecessor: { room_id: old, event_id: expect.stringMatching(/^\$/) },
    });
    for (const type of ['m.room.name', 'm.room.topic', 'm.room.avatar', 'm.room.encryption', 'm.room.server_acl', 'm.room.history_visibility', 'm.room.join_rules', 'm.room.guest_access']) {
      expect([type, stateOf(next, type)?.content]).toEqual([type, stateOf(before, type)!.content]);
    }
    expect(stateOf(next, 'm.room.power_levels')!.content['users']).toEqual({ [alice.user_id]: 100, [bob.user_id]: 50 });
    expect(stateOf(next, 'm.space.child', `!child:${SERVER_NAME}`)?.content).toEqual({ via: [SERVER_NAME] });
    expect(stateOf(next, 'm.room.member', mallory.user_id)?.content).toEqual({ membership: 'ban', reason: 'spam' });
    expect(stateOf(next, 'm.room.member', alice.user_id)?.content['membership']).toBe('join');
    // Invite-only: the local members are invited (bob), the banned one is not.
    expect(stateOf(next, 'm.room.member', bob.user_id)?.content['membership']).toBe('invite');
    expect(stateOf(next, 'm.room.canonical_alias')?.content).toEqual({ alias, alt_aliases: [alt] });

    // Aliases and directory entry moved.
    for (const a of [alias, alt]) {
      const resolved = await hs.request<{ room_id: string }>('GET', v3(`/directory/room/${enc(a)}`));
      expect(resolved.body.room_id).toBe(replacement);
    }
    expect((await hs.request('GET', v3(`/directory/list/room/${enc(replacement)}`))).body).toEqual({ visibility: 'public' });
    expect((await hs.request('GET', v3(`/directory/list/room/${enc(old)}`))).body).toEqual({ visibility: 'private' });

    // The old room: tombstone, no more alias, restricted power levels.
    const after = await state(alice, old);
    expect(stateOf(after, 'm.room.tombstone')?.content).toEqual({ body: 'This room has been replaced', replacement_room: replacement });
    expect(stateOf(after, 'm.room.tombstone')?.sender).toBe(alice.user_id);
    expect(stateOf(after, 'm.room.canonical_alias')?.content).toEqual({});
    const oldLevels = stateOf(after, 'm.room.power_levels')!.content;
    expect([oldLevels['events_default'], oldLevels['invite']]).toEqual([50, 50]);
    expect(oldLevels['users']).toEqual({ [alice.user_id]: 100, [bob.user_id]: 50 });
    // carol (users_default) can no longer send or invite there.
    const send = await hs.request('PUT', v3(`/rooms/${enc(old)}/send/m.room.message/t1`), { token: carol.access_token, body: { msgtype: 'm.text', body: 'hi' } });
    expect(send.status).toBe(403);
    expect(stateOf(next, 'm.room.member', carol.user_id)?.content['membership']).toBe('invite');
    // The invited member can join the new room.
    await joinRoom(hs, bob, replacement);
    expect(await member(bob, replacement, bob.user_id)).toBe('join');
  });

  test('to v12: room id from the create event, creators out of the power levels, no predecessor event id', async () => {
    const old = await createRoom(hs, alice, { room_version: '11', preset: 'public_chat', name: 'Eleven' });
    await joinRoom(hs, bob, old);
    await sendState(hs, alice, old, 'm.room.power_levels', '', {
      users: { [alice.user_id]: 100, [bob.user_id]: 100, [carol.user_id]: 20 },
      events: { 'm.room.tombstone': 100 },
      state_default: 50,
    });
    const res = await upgrade(alice, old, { new_version: '12', additional_creators: [bob.user_id, alice.user_id] });
    expect(res.status).toBe(200);
    const replacement = res.body.replacement_room;
    const next = await state(alice, replacement);
    const create = stateOf(next, 'm.room.create')!;
    expect(replacement).toBe(`!${create.event_id.slice(1)}`);
    expect(create.content).toEqual({ room_version: '12', predecessor: { room_id: old }, additional_creators: [bob.user_id] });
    expect(stateOf(next, 'm.room.power_levels')!.content['users']).toEqual({ [carol.user_id]: 20 });
    expect(stateOf(next, 'm.room.name')!.content).toEqual({ name: 'Eleven' });
    // Public room: nobody is invited; bob joins freely and, as a creator, may do anything.
    expect(stateOf(next, 'm.room.member', bob.user_id)).toBeUndefined();
    await joinRoom(hs, bob, replacement);
    expect((await sendState(hs, bob, replacement, 'm.room.topic', '', { topic: 'creator bob' })).startsWith('$')).toBe(true);

    // And back to v10: the upgrader, a creator of the v12 room, keeps full power in the listed levels.
    const down = await upgrade(bob, replacement, { new_version: '10' });
    expect(down.status).toBe(200);
    const levels = stateOf(await state(bob, down.body.replacement_room), 'm.room.power_levels')!.content;
    expect((levels['users'] as Record<string, number>)[bob.user_id]).toBeGreaterThanOrEqual(100);
  });

  test('state needing more power than the upgrader keeps is copied with a temporary raise', async () => {
    const old = await createRoom(hs, alice, {
      room_version: '10',
      preset: 'public_chat',
      name: 'Guarded',
      power_level_content_override: { users: { [alice.user_id]: 200 } },
    });
    await joinRoom(hs, bob, old);
    const levels = { users: { [alice.user_id]: 200, [bob.user_id]: 100 }, events: { 'm.room.name': 150, 'm.room.tombstone': 100 } };
    await sendState(hs, alice, old, 'm.room.power_levels', '', levels);
    // bob may tombstone (100) but not rename (150): the new room lets him copy the name, then puts him back at 100.
    const res = await upgrade(bob, old, { new_version: '11' });
    expect(res.status).toBe(200);
    const next = await state(bob, res.body.replacement_room);
    expect(stateOf(next, 'm.room.name')!.content).toEqual({ name: 'Guarded' });
    expect(stateOf(next, 'm.room.power_levels')!.content).toMatchObject(levels);
  });

  test('a retried upgrade yields the same replacement room, not a second one', async () => {
    const old = await createRoom(hs, alice, { room_version: '10', preset: 'public_chat' });
    const rooms = await roomCount();
    const [first, second] = await Promise.all([upgrade(alice, old, { new_version: '11' }), upgrade(alice, old, { new_version: '11' })]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.replacement_room).toBe(first.body.replacement_room);
    expect(await roomCount()).toBe(rooms + 1);
  });

  test('unknown versions, missing power, non-members and bad bodies are refused with nothing created', async () => {
    const old = await createRoom(hs, alice, { room_version: '10', preset: 'public_chat' });
    await joinRoom(hs, bob, old);
    const rooms = await roomCount();
    const refused = async (user: Credentials, roomId: string, body: unknown, status: number, errcode: string) => {
      const res = await upgrade(user, roomId, body);
      expect([res.status, res.body.errcode]).toEqual([status, errcode]);
    };
    await refused(alice, old, { new_version: '99' }, 400, 'M_UNSUPPORTED_ROOM_VERSION');
    await refused(alice, old, { new_version: 11 }, 400, 'M_INVALID_PARAM');
    await refused(alice, old, {}, 400, 'M_MISSING_PARAM');
    await refused(alice, old, { new_version: '12', additional_creators: ['not-a-user'] }, 400, 'M_INVALID_PARAM');
    await refused(alice, old, [], 400, 'M_BAD_JSON');
    await refused(bob, old, { new_version: '11' }, 403, 'M_FORBIDDEN'); // power 0, tombstone needs 100
    await refused(carol, old, { new_version: '11' }, 403, 'M_FORBIDDEN'); // not in the room
    await refused(alice, `!unknown:${SERVER_NAME}`, { new_version: '11' }, 404, 'M_NOT_FOUND');
    await refused(alice, 'not-a-room', { new_version: '11' }, 400, 'M_INVALID_PARAM');
    expect(await roomCount()).toBe(rooms);
    expect(stateOf(await state(alice, old), 'm.room.tombstone')).toBeUndefined();
  });
});
