/** GET/PUT /directory/list/room/{roomId}: a room's visibility in the published room directory. */
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type Credentials, type TestServer } from '../support/test-server.js';
import { createRoom, joinRoom } from '../support/rooms.js';

const enc = encodeURIComponent;
const listPath = (roomId: string) => v3(`/directory/list/room/${enc(roomId)}`);

describe.each(DB_KINDS)('room directory visibility on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;
  let admin: Credentials;

  beforeAll(async () => {
    hs = await startTestServer(kind);
    [alice, bob, carol, admin] = await Promise.all(['alice', 'bob', 'carol', 'admin'].map((n) => hs.createUser(n)));
    await hs.db.query('UPDATE users SET admin = TRUE WHERE user_id = $1', [admin.user_id]);
  });
  afterAll(() => hs.close());

  const getVisibility = (roomId: string) => hs.request<{ visibility?: string; errcode?: string }>('GET', listPath(roomId));
  const setVisibility = (user: Credentials | undefined, roomId: string, body: unknown) =>
    hs.request('PUT', listPath(roomId), { token: user?.access_token, body });
  const published = async () =>
    (await hs.request<{ chunk: Array<{ room_id: string }> }>('GET', v3('/publicRooms'))).body.chunk.map((r) => r.room_id);

  test('createRoom visibility decides the initial value; GET needs no token', async () => {
    const privateRoom = await createRoom(hs, alice, { preset: 'public_chat' });
    const publicRoom = await createRoom(hs, alice, { visibility: 'public' });
    expect((await getVisibility(privateRoom)).body).toEqual({ visibility: 'private' });
    expect((await getVisibility(publicRoom)).body).toEqual({ visibility: 'public' });
  });

  test('the room creator publishes and unpublishes; /publicRooms follows', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    expect(await published()).not.toContain(roomId);
    expect((await setVisibility(alice, roomId, { visibility: 'public' })).status).toBe(200);
    expect((await getVisibility(roomId)).body).toEqual({ visibility: 'public' });
    expect(await published()).toContain(roomId);
    expect((await setVisibility(alice, roomId, { visibility: 'private' })).status).toBe(200);
    expect((await getVisibility(roomId)).body).toEqual({ visibility: 'private' });
    expect(await published()).not.toContain(roomId);
  });

  test('visibility defaults to public', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    expect((await setVisibility(alice, roomId, {})).status).toBe(200);
    expect((await getVisibility(roomId)).body).toEqual({ visibility: 'public' });
  });

  test('members without moderator power and outsiders get 403; a server admin may; nothing changes on refusal', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, roomId);
    for (const user of [bob, carol]) {
      const res = await setVisibility(user, roomId, { visibility: 'public' });
      expect([res.status, res.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
    }
    expect((await getVisibility(roomId)).body).toEqual({ visibility: 'private' });
    expect((await setVisibility(admin, roomId, { visibility: 'public' })).status).toBe(200);
    expect((await getVisibility(roomId)).body).toEqual({ visibility: 'public' });
  });

  test('a member given the level m.room.canonical_alias needs may change it', async () => {
    const roomId = await createRoom(hs, alice, {
      preset: 'public_chat',
      power_level_content_override: { events: { 'm.room.canonical_alias': 10 }, users: { [bob.user_id]: 10 } },
    });
    await joinRoom(hs, bob, roomId);
    expect((await setVisibility(bob, roomId, { visibility: 'public' })).status).toBe(200);
    expect((await getVisibility(roomId)).body).toEqual({ visibility: 'public' });
  });

  test('bad input: 400 for malformed ids and values, 404 for unknown rooms, 401 without a token', async () => {
    const roomId = await createRoom(hs, alice);
    const bad = await setVisibility(alice, roomId, { visibility: 'hidden' });
    expect([bad.status, bad.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    expect((await setVisibility(alice, roomId, { visibility: 1 })).status).toBe(400);
    expect((await getVisibility('bogus')).status).toBe(400);
    const unknown = `!unknown:${SERVER_NAME}`;
    expect((await getVisibility(unknown)).body.errcode).toBe('M_NOT_FOUND');
    expect((await setVisibility(alice, unknown, { visibility: 'public' })).status).toBe(404);
    expect((await setVisibility(undefined, roomId, { visibility: 'public' })).status).toBe(401);
    expect((await getVisibility(roomId)).body).toEqual({ visibility: 'private' });
  });
});
