/**
 * End-to-end encryption across two federating Lattice servers, each started
 * as `npm start` runs it: matrix-js-sdk clients with their Rust crypto, one
 * user on each server, chat in an encrypted room and each decrypts the
 * other's messages. Under the hood: /keys/query and /keys/claim reach the
 * other server (/user/devices, /user/keys/claim), room keys travel as
 * m.direct_to_device EDUs, and a new device of a remote user becomes known
 * through m.device_list_update and receives the next room key.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { MatrixClient } from 'matrix-js-sdk';
import { cryptoClients, expectDecrypts, registerCryptoClient, startCryptoClient } from '../support/crypto-client.js';
import { FederatingHomeservers, type FederatingServer } from '../support/federating-homeservers.js';
import { matrixClient } from '../support/matrix-client.js';
import { eventually, eventuallyAsync } from '../support/wait.js';
import { createTestCa, type TestCa } from '../../packages/federation/test/support/test-ca.js';

const PASSWORD = 'pw pw pw pw';
let workdir: string;
let ca: TestCa;
let fleet: FederatingHomeservers;
let a: FederatingServer;
let b: FederatingServer;
let alice: MatrixClient;
let bob: MatrixClient;
let roomId: string;

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), 'lattice-fed-e2ee-'));
  ca = createTestCa();
  fleet = new FederatingHomeservers(workdir, ca);
  [a, b] = await Promise.all([fleet.start('a'), fleet.start('b')]);
  [alice, bob] = await Promise.all([registerCryptoClient(a.hs.url, 'alice', PASSWORD), registerCryptoClient(b.hs.url, 'bob', PASSWORD)]);
}, 120_000);

afterAll(async () => {
  for (const c of cryptoClients) c.stopClient();
  await fleet?.stopAll();
  ca?.remove();
  await rm(workdir, { recursive: true, force: true });
});

test('a user on each server chats in an encrypted room; each decrypts the other', async () => {
  const created = await alice.createRoom({
    name: 'Secret across servers',
    initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
  });
  roomId = created.room_id;
  await alice.invite(roomId, bob.getUserId()!);
  await eventually('bob is invited', () => bob.getRoom(roomId)?.getMyMembership() === 'invite', 30_000);
  await bob.joinRoom(roomId);
  await eventually('alice sees bob joined', () => alice.getRoom(roomId)?.getJoinedMemberCount() === 2, 30_000);
  await eventually('alice knows the room is encrypted', () => alice.getCrypto()!.isEncryptionEnabledInRoom(roomId));

  const fromAlice = await alice.sendTextMessage(roomId, 'hello bob, across servers');
  await expectDecrypts(bob, roomId, fromAlice.event_id, 'hello bob, across servers');
  await eventually('bob knows the room is encrypted', () => bob.getCrypto()!.isEncryptionEnabledInRoom(roomId));
  const fromBob = await bob.sendTextMessage(roomId, 'hi alice, across servers');
  await expectDecrypts(alice, roomId, fromBob.event_id, 'hi alice, across servers');
}, 120_000);

test("a remote user's new device becomes known through m.device_list_update and gets the next room key", async () => {
  const anon = matrixClient(b.hs.url);
  const login = await anon.loginRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: bob.getUserId()! }, password: PASSWORD });
  const bob2 = await startCryptoClient(b.hs.url, login);
  await eventuallyAsync("alice sees bob's second device", async () => {
    const devices = await alice.getCrypto()!.getUserDeviceInfo([bob.getUserId()!], true);
    return devices.get(bob.getUserId()!)?.has(bob2.getDeviceId()!) ?? false;
  });
  const { event_id } = await alice.sendTextMessage(roomId, 'for both of your devices');
  await expectDecrypts(bob2, roomId, event_id, 'for both of your devices');
  await expectDecrypts(bob, roomId, event_id, 'for both of your devices');
}, 120_000);
