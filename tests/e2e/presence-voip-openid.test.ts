/**
 * Presence, TURN credentials and OpenID on the started homeserver, through
 * matrix-js-sdk: syncing makes a user online for their room's members, a
 * status set by one client and its going idle (set_presence) reach the other
 * client's User model, the TURN
 * credentials come from the configured shared secret, and an OpenID token is
 * exchanged at the federation userinfo endpoint.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SetPresence, type MatrixClient } from 'matrix-js-sdk';
import { startMigratedHomeserver, type RunningHomeserver } from '../support/homeserver-process.js';
import { registeredSyncingClient } from '../support/registered-client.js';
import { eventually } from '../support/wait.js';

let workdir: string;
let server: RunningHomeserver;
const clients: MatrixClient[] = [];

async function registeredClient(username: string): Promise<MatrixClient> {
  const client = await registeredSyncingClient(server.url, username);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), 'lattice-presence-'));
  server = await startMigratedHomeserver({
    cwd: workdir,
    env: {
      LATTICE_ENABLE_REGISTRATION: 'true',
      LATTICE_ENABLE_REGISTRATION_WITHOUT_VERIFICATION: 'true',
      LATTICE_TURN_URIS: '["turn:turn.localhost:3478?transport=udp"]',
      LATTICE_TURN_SHARED_SECRET: 'e2e-secret',
    },
  });
});

afterAll(async () => {
  for (const c of clients) c.stopClient();
  await server?.stop();
  await rm(workdir, { recursive: true, force: true });
});

test('presence: syncing users are online to each other, and a status reaches the other client', async () => {
  const [alice, bob] = await Promise.all([registeredClient('alice'), registeredClient('bob')]);
  const { room_id: roomId } = await alice.createRoom({ preset: 'public_chat' as never });
  await bob.joinRoom(roomId);

  await eventually('alice sees bob online', () => alice.getUser('@bob:localhost')?.presence === 'online');
  // A status message set through PUT /presence outlives bob's syncs.
  await bob.setPresence({ presence: 'online', status_msg: 'in a meeting' });
  await eventually('alice sees bob in a meeting', () => alice.getUser('@bob:localhost')?.presenceStatusMsg === 'in a meeting');
  // Bob's client goes idle: it syncs with set_presence=unavailable from now on.
  await bob.setSyncPresence(SetPresence.Unavailable);
  // A message ends bob's current long-poll, so his next /sync carries the new set_presence.
  await alice.sendTextMessage(roomId, 'are you there?');
  await eventually('alice sees bob idle', () => alice.getUser('@bob:localhost')?.presence === 'unavailable');
  expect(await alice.getPresence('@bob:localhost')).toMatchObject({ presence: 'unavailable', status_msg: 'in a meeting' });
});

test('TURN credentials and OpenID tokens', async () => {
  const carol = await registeredClient('carol');
  const turn = await carol.turnServer();
  expect(turn).toMatchObject({ uris: ['turn:turn.localhost:3478?transport=udp'], ttl: 3600 });
  expect(turn.username).toMatch(/^\d+:@carol:localhost$/);
  expect(turn.password).toBe(createHmac('sha1', 'e2e-secret').update(turn.username!).digest('base64'));

  const openId = await carol.getOpenIdToken();
  expect(openId).toMatchObject({ token_type: 'Bearer', matrix_server_name: 'localhost', expires_in: 3600 });
  const res = await fetch(`${server.url}/_matrix/federation/v1/openid/userinfo?access_token=${encodeURIComponent(openId.access_token)}`);
  expect([res.status, await res.json()]).toEqual([200, { sub: '@carol:localhost' }]);
});
