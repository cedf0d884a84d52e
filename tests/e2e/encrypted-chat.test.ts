/**
 * End-to-end encryption on one server, as clients do it: matrix-js-sdk clients
 * with their Rust crypto (@matrix-org/matrix-sdk-crypto-wasm, in-memory stores)
 * against the started homeserver. Two users chat in an encrypted room and each
 * decrypts the other's messages; a user's new device receives room keys over
 * to-device; cross-signing is bootstrapped (with user-interactive auth) and the
 * other user sees the device signed by its owner; a key backup made on one
 * device is restored on a new device, which then decrypts old messages.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ICreateClientOpts, MatrixClient } from 'matrix-js-sdk';
import { startMigratedHomeserver, type RunningHomeserver } from '../support/homeserver-process.js';
import { matrixClient } from '../support/matrix-client.js';
import { cryptoClients, expectDecrypts, messages, registerCryptoClient, startCryptoClient } from '../support/crypto-client.js';
import { eventually, eventuallyAsync } from '../support/wait.js';

const PASSWORD = 'pw pw pw pw';
let workdir: string;
let server: RunningHomeserver;

async function register(username: string, extra: Partial<ICreateClientOpts> = {}): Promise<MatrixClient> {
  return registerCryptoClient(server.url, username, PASSWORD, extra);
}

async function newDevice(userId: string, extra: Partial<ICreateClientOpts> = {}): Promise<MatrixClient> {
  const anon = matrixClient(server.url);
  const login = await anon.loginRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: userId }, password: PASSWORD });
  return startCryptoClient(server.url, login, extra);
}

let alice: MatrixClient;
let bob: MatrixClient;
let roomId: string;
let firstMessage: string;

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), 'lattice-e2ee-'));
  server = await startMigratedHomeserver({
    cwd: workdir,
    env: { LATTICE_ENABLE_REGISTRATION: 'true', LATTICE_ENABLE_REGISTRATION_WITHOUT_VERIFICATION: 'true' },
  });
  [alice, bob] = await Promise.all([register('alice'), register('bob')]);
});

afterAll(async () => {
  for (const c of cryptoClients) c.stopClient();
  await server?.stop();
  await rm(workdir, { recursive: true, force: true });
});

test('two users chat in an encrypted room and each decrypts the other', async () => {
  const created = await alice.createRoom({
    name: 'Secret',
    invite: [bob.getUserId()!],
    initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
  });
  roomId = created.room_id;
  await eventually('bob is invited', () => bob.getRoom(roomId)?.getMyMembership() === 'invite');
  await bob.joinRoom(roomId);
  await eventually('alice sees bob joined', () => alice.getRoom(roomId)?.getJoinedMemberCount() === 2);
  await eventually('alice knows the room is encrypted', () => alice.getCrypto()!.isEncryptionEnabledInRoom(roomId));

  const fromAlice = await alice.sendTextMessage(roomId, 'hello bob, secretly');
  firstMessage = fromAlice.event_id;
  await expectDecrypts(bob, roomId, fromAlice.event_id, 'hello bob, secretly');
  await eventually('bob knows the room is encrypted', () => bob.getCrypto()!.isEncryptionEnabledInRoom(roomId));
  const fromBob = await bob.sendTextMessage(roomId, 'hi alice, secretly');
  await expectDecrypts(alice, roomId, fromBob.event_id, 'hi alice, secretly');
});

test("a user's new device receives room keys over to-device", async () => {
  const bob2 = await newDevice(bob.getUserId()!);
  // Alice's client learns of bob's new device from device_lists.changed and shares the next session key with it.
  await eventuallyAsync('alice sees bob\'s second device', async () => {
    const devices = await alice.getCrypto()!.getUserDeviceInfo([bob.getUserId()!], true);
    return devices.get(bob.getUserId()!)?.has(bob2.getDeviceId()!) ?? false;
  });
  const { event_id } = await alice.sendTextMessage(roomId, 'for both of your devices');
  await expectDecrypts(bob2, roomId, event_id, 'for both of your devices');
  await expectDecrypts(bob, roomId, event_id, 'for both of your devices');
});

test('cross-signing: bootstrap with UIA; the other user sees the device signed by its owner', async () => {
  const crypto = alice.getCrypto()!;
  await crypto.bootstrapCrossSigning({
    authUploadDeviceSigningKeys: async (makeRequest) => {
      await makeRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: alice.getUserId()! }, password: PASSWORD } as never);
    },
  });
  expect(await crypto.isCrossSigningReady()).toBe(true);
  const own = await crypto.getDeviceVerificationStatus(alice.getUserId()!, alice.getDeviceId()!);
  expect(own?.crossSigningVerified).toBe(true);

  await eventuallyAsync('bob sees alice\'s device signed by her', async () => {
    await bob.getCrypto()!.getUserDeviceInfo([alice.getUserId()!], true);
    const status = await bob.getCrypto()!.getDeviceVerificationStatus(alice.getUserId()!, alice.getDeviceId()!);
    return status?.signedByOwner ?? false;
  });
  const identity = await bob.getCrypto()!.getUserVerificationStatus(alice.getUserId()!);
  expect(identity.isCrossSigningVerified()).toBe(false); // bob has not verified alice himself
});

test('key backup: upload, restore on a new device, decrypt old messages', async () => {
  const crypto = alice.getCrypto()!;
  await crypto.resetKeyBackup();
  const version = await eventuallyAsync('backup active', () => crypto.getActiveSessionBackupVersion());
  const backupKey = await crypto.getSessionBackupPrivateKey();
  expect(backupKey).toBeTruthy();
  // Wait until alice's client has backed up every session it holds.
  await eventuallyAsync('keys backed up', async () => {
    const res = await fetch(`${server.url}/_matrix/client/v3/room_keys/version/${version}`, {
      headers: { Authorization: `Bearer ${alice.getAccessToken()}` },
    });
    const body = (await res.json()) as { count: number };
    return body.count >= 2;
  });

  const alice2 = await newDevice(alice.getUserId()!);
  const crypto2 = alice2.getCrypto()!;
  await crypto2.storeSessionBackupPrivateKey(backupKey!, version);
  await eventuallyAsync('the new device sees the backup', async () => (await crypto2.checkKeyBackupAndEnable()) !== null);
  const restored = await crypto2.restoreKeyBackup();
  expect(restored.imported).toBeGreaterThanOrEqual(2);
  // The message sent before this device existed.
  await eventually('the old message is in the new device\'s timeline', () => messages(alice2.getRoom(roomId)).some((e) => e.getId() === firstMessage));
  await expectDecrypts(alice2, roomId, firstMessage, 'hello bob, secretly');
});

test('dehydrated device (MSC3814): the client creates one through secret storage; others see it', async () => {
  let secretStorageKey: Uint8Array<ArrayBuffer> | undefined;
  const dan = await register('dan', {
    cryptoCallbacks: {
      getSecretStorageKey: async ({ keys }) => [Object.keys(keys)[0]!, secretStorageKey!],
      cacheSecretStorageKey: (_keyId, _info, key) => {
        secretStorageKey = key as Uint8Array<ArrayBuffer>;
      },
    },
  });
  const crypto = dan.getCrypto()!;
  expect(await crypto.isDehydrationSupported()).toBe(true);
  await crypto.bootstrapCrossSigning({
    authUploadDeviceSigningKeys: async (makeRequest) => {
      await makeRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: dan.getUserId()! }, password: PASSWORD } as never);
    },
  });
  const recovery = await crypto.createRecoveryKeyFromPassphrase();
  secretStorageKey = recovery.privateKey as Uint8Array<ArrayBuffer>;
  await crypto.bootstrapSecretStorage({ createSecretStorageKey: async () => recovery, setupNewSecretStorage: true });
  await crypto.startDehydration({ createNewKey: true });

  const headers = { Authorization: `Bearer ${dan.getAccessToken()}` };
  const res = await fetch(`${server.url}/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device`, { headers });
  expect(res.status).toBe(200);
  const { device_id } = (await res.json()) as { device_id: string };
  // Served to others with the client's `dehydrated` flag, signed by the device and by dan's self-signing key.
  const query = await fetch(`${server.url}/_matrix/client/v3/keys/query`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${bob.getAccessToken()}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ device_keys: { [dan.getUserId()!]: [] } }),
  });
  const keys = (await query.json()) as { device_keys: Record<string, Record<string, { dehydrated?: boolean; signatures: Record<string, object> }>> };
  const served = keys.device_keys[dan.getUserId()!]![device_id]!;
  expect(served.dehydrated).toBe(true);
  expect(Object.keys(served.signatures[dan.getUserId()!]!)).toHaveLength(2);
  const devices = await bob.getCrypto()!.getUserDeviceInfo([dan.getUserId()!], true);
  expect(devices.get(dan.getUserId()!)?.has(device_id)).toBe(true);
});
