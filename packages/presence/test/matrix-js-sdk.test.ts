/**
 * Presence with a real client: bob sets his presence through matrix-js-sdk,
 * and alice's syncing client sees it on User.presence; alice's own sync loop
 * makes her online for bob.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ClientEvent, SyncState, UserEvent, createClient, type MatrixClient, type MatrixEvent, type User } from 'matrix-js-sdk';
import { createPushModule } from '@lattice/push';
import { createRoom, joinRoom } from '../../client-api/test/support/rooms.js';
import { startPresenceServer, type PresenceTestServer } from './support/presence-server.js';

describe('matrix-js-sdk presence', () => {
  let server: PresenceTestServer;
  const clients: MatrixClient[] = [];
  beforeAll(async () => {
    // matrix-js-sdk reads the push rules before it syncs.
    server = await startPresenceServer('pglite', {
      extra: (hs) => {
        const push = createPushModule(hs.ctx, { sendPushes: false });
        return { routers: [push.router], extensions: [push.syncExtension], close: () => push.close() };
      },
    });
  });
  afterAll(async () => {
    for (const client of clients) client.stopClient();
    await server.close();
  });

  test('User.presence follows another user\'s setPresence', async () => {
    const { hs } = server;
    const [alice, bob] = await Promise.all([hs.createUser('alice'), hs.createUser('bob')]);
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, roomId);

    const aliceClient = createClient({ baseUrl: hs.url, accessToken: alice.access_token, userId: alice.user_id, deviceId: alice.device_id });
    const bobClient = createClient({ baseUrl: hs.url, accessToken: bob.access_token, userId: bob.user_id, deviceId: bob.device_id });
    clients.push(aliceClient, bobClient);
    const prepared = new Promise<void>((resolve, reject) => {
      aliceClient.on(ClientEvent.Sync, (state: SyncState) => {
        if (state === SyncState.Prepared) resolve();
        if (state === SyncState.Error) reject(new Error('sync error'));
      });
    });
    await aliceClient.startClient({ initialSyncLimit: 1 });
    await prepared;

    const seen = new Promise<User>((resolve) => {
      aliceClient.on(UserEvent.Presence, (_event: MatrixEvent | undefined, user: User) => {
        if (user.userId === bob.user_id && user.presence === 'unavailable') resolve(user);
      });
    });
    await bobClient.setPresence({ presence: 'unavailable', status_msg: 'away from keyboard' });
    const user = await seen;
    expect(user.presenceStatusMsg).toBe('away from keyboard');
    expect(aliceClient.getUser(bob.user_id)?.presence).toBe('unavailable');

    // Alice's sync loop made her online: bob reads it.
    const alicePresence = await bobClient.getPresence(alice.user_id);
    expect(alicePresence).toMatchObject({ presence: 'online', currently_active: true });
  });
});
