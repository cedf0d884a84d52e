/** Membership: join (id, alias), invite, leave, kick, ban, unban, knock, restricted joins, profile propagation. */
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type Credentials, type TestServer } from '../support/test-server.js';
import { createRoom, invite, joinRoom, leaveRoom } from '../support/rooms.js';

const enc = encodeURIComponent;

describe.each(DB_KINDS)('membership on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;
  beforeAll(async () => {
    hs = await startTestServer(kind);
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
    carol = await hs.createUser('carol');
  });
  afterAll(() => hs.close());

  const post = (user: Credentials, path: string, body: unknown = {}) => hs.request('POST', v3(path), { token: user.access_token, body });
  const membership = async (roomId: string, userId: string) =>
    (await hs.ctx.rooms.store.membership(roomId, userId))?.membership;
  const memberContent = async (roomId: string, userId: string) =>
    (await hs.ctx.rooms.store.currentStateEvent(roomId, 'm.room.member', userId))?.event.content;
  const eventCount = async (roomId: string) =>
    Number((await hs.db.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE room_id = $1', [roomId])).rows[0]!.n);

  test('join a public room by id and by alias; joined_rooms lists it; joining again changes nothing', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat', room_alias_name: 'lobby' });
    expect(await joinRoom(hs, bob, `#lobby:${SERVER_NAME}`)).toBe(roomId);
    expect(await membership(roomId, bob.user_id)).toBe('join');
    expect(await memberContent(roomId, bob.user_id)).toEqual({ membership: 'join', displayname: 'bob' });
    const before = await eventCount(roomId);
    const again = await post(bob, `/rooms/${enc(roomId)}/join`);
    expect(again.body).toEqual({ room_id: roomId });
    expect(await eventCount(roomId)).toBe(before);
    const rooms = await hs.request<{ joined_rooms: string[] }>('GET', v3('/joined_rooms'), { token: bob.access_token });
    expect(rooms.body.joined_rooms).toContain(roomId);
  });

  test('invite-only: join needs an invite; invite, join with reason, leave', async () => {
    const roomId = await createRoom(hs, alice);
    const refused = await post(bob, `/join/${enc(roomId)}`);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    await invite(hs, alice, roomId, bob.user_id);
    expect(await memberContent(roomId, bob.user_id)).toEqual({ membership: 'invite', displayname: 'bob' });
    expect((await post(bob, `/rooms/${enc(roomId)}/join`, { reason: 'hi' })).status).toBe(200);
    expect(await memberContent(roomId, bob.user_id)).toEqual({ membership: 'join', displayname: 'bob', reason: 'hi' });
    await leaveRoom(hs, bob, roomId);
    expect(await membership(roomId, bob.user_id)).toBe('leave');
    const rooms = await hs.request<{ joined_rooms: string[] }>('GET', v3('/joined_rooms'), { token: bob.access_token });
    expect(rooms.body.joined_rooms).not.toContain(roomId);
  });

  test('kick, ban and unban need power; the target must be in the room / banned', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, roomId);
    await joinRoom(hs, carol, roomId);
    const before = await eventCount(roomId);
    for (const action of ['kick', 'ban']) {
      const res = await post(bob, `/rooms/${enc(roomId)}/${action}`, { user_id: carol.user_id });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    }
    expect(await eventCount(roomId)).toBe(before);

    expect((await post(alice, `/rooms/${enc(roomId)}/kick`, { user_id: carol.user_id, reason: 'spam' })).status).toBe(200);
    expect(await memberContent(roomId, carol.user_id)).toEqual({ membership: 'leave', reason: 'spam' });
    expect((await post(alice, `/rooms/${enc(roomId)}/kick`, { user_id: carol.user_id })).status).toBe(403);

    expect((await post(alice, `/rooms/${enc(roomId)}/ban`, { user_id: carol.user_id })).status).toBe(200);
    expect(await membership(roomId, carol.user_id)).toBe('ban');
    expect((await post(carol, `/join/${enc(roomId)}`)).status).toBe(403);
    expect((await post(bob, `/rooms/${enc(roomId)}/unban`, { user_id: carol.user_id })).status).toBe(403);
    expect((await post(alice, `/rooms/${enc(roomId)}/unban`, { user_id: bob.user_id })).status).toBe(403);
    expect((await post(alice, `/rooms/${enc(roomId)}/unban`, { user_id: carol.user_id })).status).toBe(200);
    expect(await membership(roomId, carol.user_id)).toBe('leave');
    expect(await joinRoom(hs, carol, roomId)).toBe(roomId);
  });

  test('invite needs power and a local, existing user; inviting a member is refused', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' }); // invite: 50
    await joinRoom(hs, bob, roomId);
    const before = await eventCount(roomId);
    const noPower = await post(bob, `/rooms/${enc(roomId)}/invite`, { user_id: carol.user_id });
    expect(noPower.status).toBe(403);
    expect((await post(alice, `/rooms/${enc(roomId)}/invite`, { user_id: bob.user_id })).status).toBe(403);
    expect((await post(alice, `/rooms/${enc(roomId)}/invite`, { user_id: `@ghost:${SERVER_NAME}` })).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await post(alice, `/rooms/${enc(roomId)}/invite`, { user_id: '@x:remote.example' })).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await post(alice, `/rooms/${enc(roomId)}/invite`, {})).body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    expect(await eventCount(roomId)).toBe(before);
    // A non-member cannot invite either.
    expect((await post(carol, `/rooms/${enc(roomId)}/invite`, { user_id: carol.user_id })).status).toBe(403);
  });

  test('unknown rooms are 404, malformed ids 400', async () => {
    const unknown = `!nowhere:${SERVER_NAME}`;
    for (const path of [`/join/${enc(unknown)}`, `/rooms/${enc(unknown)}/join`, `/rooms/${enc(unknown)}/leave`, `/join/${enc(`#nowhere:${SERVER_NAME}`)}`]) {
      const res = await post(bob, path);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ errcode: 'M_NOT_FOUND' });
    }
    for (const path of ['/join/nonsense', `/rooms/not-a-room/join`, `/rooms/${enc('!a:b:c:')}/leave`]) {
      expect((await post(bob, path)).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    }
    const roomId = await createRoom(hs, alice);
    expect((await post(alice, `/rooms/${enc(roomId)}/kick`, { user_id: 'carol' })).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
  });

  test('knock: only v7+, only where the join rule allows; the knock carries the profile and reason', async () => {
    const v6 = await createRoom(hs, alice, { room_version: '6' });
    expect((await post(bob, `/knock/${enc(v6)}`)).status).toBe(403);
    const closed = await createRoom(hs, alice, { room_version: '10' });
    expect((await post(bob, `/knock/${enc(closed)}`)).status).toBe(403);
    const roomId = await createRoom(hs, alice, { room_version: '10', initial_state: [{ type: 'm.room.join_rules', content: { join_rule: 'knock' } }] });
    const res = await post(bob, `/knock/${enc(roomId)}`, { reason: 'let me in' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ room_id: roomId });
    expect(await memberContent(roomId, bob.user_id)).toEqual({ membership: 'knock', displayname: 'bob', reason: 'let me in' });
    await invite(hs, alice, roomId, bob.user_id);
    expect(await joinRoom(hs, bob, roomId)).toBe(roomId);
  });

  test('restricted joins (v8+): members of an allowed room join, authorised by a local user who can invite', async () => {
    const space = await createRoom(hs, alice, { preset: 'public_chat' });
    const roomId = await createRoom(hs, alice, {
      room_version: '10',
      initial_state: [{ type: 'm.room.join_rules', content: { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: space }] } }],
    });
    const refused = await post(bob, `/join/${enc(roomId)}`);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    await joinRoom(hs, bob, space);
    expect(await joinRoom(hs, bob, roomId)).toBe(roomId);
    expect(await memberContent(roomId, bob.user_id)).toEqual({ membership: 'join', displayname: 'bob', join_authorised_via_users_server: alice.user_id });
  });

  test('a profile change updates the member event in every joined room', async () => {
    const dave = await hs.createUser('dave');
    const joined = await createRoom(hs, alice, { preset: 'public_chat' });
    const left = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, dave, joined);
    await joinRoom(hs, dave, left);
    await leaveRoom(hs, dave, left);
    const path = v3(`/profile/${enc(dave.user_id)}/displayname`);
    expect((await hs.request('PUT', path, { token: dave.access_token, body: { displayname: 'Dave D.' } })).status).toBe(200);
    expect(await memberContent(joined, dave.user_id)).toEqual({ membership: 'join', displayname: 'Dave D.' });
    expect(await memberContent(left, dave.user_id)).toEqual({ membership: 'leave' });
    const avatar = v3(`/profile/${enc(dave.user_id)}/avatar_url`);
    await hs.request('PUT', avatar, { token: dave.access_token, body: { avatar_url: 'mxc://test.local/dave' } });
    const members = await hs.request<{ joined: Record<string, unknown> }>('GET', v3(`/rooms/${enc(joined)}/joined_members`), { token: dave.access_token });
    expect(members.body.joined[dave.user_id]).toEqual({ display_name: 'Dave D.', avatar_url: 'mxc://test.local/dave' });
  });
});
