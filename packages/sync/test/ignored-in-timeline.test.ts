/**
 * Ignoring users (spec "Ignoring Users") beyond /sync: once alice ignores bob,
 * /messages and /context stop serving bob's messages to her (his state events
 * stay, so the room's state still makes sense); other users still see them.
 */
import { createRoom, joinRoom, sendMessage } from '../../client-api/test/support/rooms.js';
import { v3, type Credentials, type TestServer } from '../../client-api/test/support/test-server.js';
import { startSyncTestServer } from './support/sync-server.js';

const enc = encodeURIComponent;

describe.each(['postgres', 'pglite'] as const)('ignored users in timeline reads on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;
  beforeAll(async () => {
    hs = await startSyncTestServer(kind);
    [alice, bob, carol] = await Promise.all([hs.createUser('alice'), hs.createUser('bob'), hs.createUser('carol')]);
  });
  afterAll(() => hs.close());

  const messageBodies = async (user: Credentials, roomId: string) => {
    const reply = await hs.request<{ chunk: Array<{ type: string; sender: string; content: { body?: string } }> }>(
      'GET',
      v3(`/rooms/${enc(roomId)}/messages?dir=b&limit=50`),
      { token: user.access_token },
    );
    expect(reply.status).toBe(200);
    return reply.body.chunk;
  };

  test('ignored senders disappear from /messages and /context for the ignorer only', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    await Promise.all([joinRoom(hs, bob, roomId), joinRoom(hs, carol, roomId)]);
    const fromBob = await sendMessage(hs, bob, roomId, 'from bob');
    await sendMessage(hs, carol, roomId, 'from carol');

    const ignore = await hs.request('PUT', v3(`/user/${enc(alice.user_id)}/account_data/m.ignored_user_list`), {
      token: alice.access_token,
      body: { ignored_users: { [bob.user_id]: {} } },
    });
    expect(ignore.status).toBe(200);

    const seenByAlice = await messageBodies(alice, roomId);
    expect(seenByAlice.map((e) => e.content.body).filter(Boolean)).toEqual(['from carol']);
    // Bob's membership (a state event) is still served.
    expect(seenByAlice.some((e) => e.type === 'm.room.member' && e.sender === bob.user_id)).toBe(true);
    const context = await hs.request('GET', v3(`/rooms/${enc(roomId)}/context/${enc(fromBob)}`), { token: alice.access_token });
    expect(context.status).toBe(404);

    const seenByCarol = await messageBodies(carol, roomId);
    expect(seenByCarol.map((e) => e.content.body).filter(Boolean)).toEqual(['from carol', 'from bob']);
  });
});
