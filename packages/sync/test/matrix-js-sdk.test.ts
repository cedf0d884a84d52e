/** matrix-js-sdk's sync loop against /sync: startClient() syncs, and another user's message arrives as Room.timeline. */
import { RoomEvent, createClient, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { startSyncing } from '../../../tests/support/matrix-client.js';
import { createRoom, joinRoom, sendMessage } from '../../client-api/test/support/rooms.js';
import type { TestServer } from '../../client-api/test/support/test-server.js';
// matrix-js-sdk reads GET /pushrules/ before its first sync: mounted with @lattice/push as apps/homeserver does.
import { startPushTestServer } from '../../push/test/support/push-server.js';

describe('matrix-js-sdk sync', () => {
  let hs: TestServer;
  let client: MatrixClient | undefined;
  beforeAll(async () => {
    hs = await startPushTestServer('pglite');
  });
  afterAll(async () => {
    client?.stopClient();
    await hs.close();
  });

  test('startClient syncs and receives another user message through Room.timeline', async () => {
    const alice = await hs.createUser('alice');
    const bob = await hs.createUser('bob');
    const roomId = await createRoom(hs, alice, { preset: 'public_chat', name: 'SDK room' });
    await joinRoom(hs, bob, roomId);

    client = createClient({ baseUrl: hs.url, accessToken: alice.access_token, userId: alice.user_id, deviceId: alice.device_id });
    await startSyncing(client);
    const room = client.getRoom(roomId);
    expect(room?.name).toBe('SDK room');
    expect(room?.getJoinedMemberCount()).toBe(2);

    const received = new Promise<MatrixEvent>((resolve) => {
      client!.on(RoomEvent.Timeline, (event: MatrixEvent, r) => {
        if (r?.roomId === roomId && event.getType() === 'm.room.message' && event.getSender() === bob.user_id) resolve(event);
      });
    });
    await sendMessage(hs, bob, roomId, 'hello from bob');
    const event = await received;
    expect(event.getContent()).toMatchObject({ body: 'hello from bob' });
  });
});
