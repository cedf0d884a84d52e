/**
 * POST /rooms/{roomId}/forget (spec: leaving.yaml): only after leaving; a
 * forgotten room's history is no longer readable and the room no longer shows
 * in sync's leave section; rejoining brings the room back.
 */
import { createRoom, joinRoom, leaveRoom, sendMessage } from '../../client-api/test/support/rooms.js';
import { v3, type Credentials, type TestServer } from '../../client-api/test/support/test-server.js';
import { startSyncTestServer, sync } from './support/sync-server.js';

const enc = encodeURIComponent;
const INCLUDE_LEAVE = { room: { include_leave: true } };

describe.each(['postgres', 'pglite'] as const)('forget on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  beforeAll(async () => {
    hs = await startSyncTestServer(kind);
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
  });
  afterAll(() => hs.close());

  const forget = (user: Credentials, roomId: string) => hs.request('POST', v3(`/rooms/${enc(roomId)}/forget`), { token: user.access_token, body: {} });
  const messages = (user: Credentials, roomId: string) => hs.request('GET', v3(`/rooms/${enc(roomId)}/messages?dir=b`), { token: user.access_token });

  test('a joined user must leave first: 400 M_UNKNOWN and nothing recorded', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, roomId);
    const reply = await forget(bob, roomId);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ errcode: 'M_UNKNOWN' });
    expect((await hs.ctx.rooms.store.membership(roomId, bob.user_id))?.forgotten).toBe(false);
    expect((await messages(bob, roomId)).status).toBe(200);
  });

  test('after leaving: history and the leave section are gone; rejoining remembers the room', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, roomId);
    await sendMessage(hs, alice, roomId, 'before bob left');
    await leaveRoom(hs, bob, roomId);
    expect((await messages(bob, roomId)).status).toBe(200);
    expect(Object.keys((await sync(hs, bob, { filter: INCLUDE_LEAVE })).rooms.leave)).toContain(roomId);

    expect((await forget(bob, roomId)).status).toBe(200);
    expect((await messages(bob, roomId)).body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    expect(Object.keys((await sync(hs, bob, { filter: INCLUDE_LEAVE })).rooms.leave)).not.toContain(roomId);
    // Forgetting twice is harmless.
    expect((await forget(bob, roomId)).status).toBe(200);

    await joinRoom(hs, bob, roomId);
    expect((await hs.ctx.rooms.store.membership(roomId, bob.user_id))?.forgotten).toBe(false);
    expect((await messages(bob, roomId)).status).toBe(200);
    expect(Object.keys((await sync(hs, bob)).rooms.join)).toContain(roomId);
  });

  test('a room the user was never in: nothing to forget', async () => {
    const roomId = await createRoom(hs, alice);
    expect((await forget(bob, roomId)).status).toBe(200);
    expect(await hs.ctx.rooms.store.membership(roomId, bob.user_id)).toBeUndefined();
  });

  test('malformed room id → 400', async () => {
    expect((await forget(bob, 'not-a-room')).status).toBe(400);
  });
});
