/**
 * The client-api test server with @lattice/sync and @lattice/e2ee mounted as
 * apps/homeserver mounts them, and helpers that play a client's crypto: device
 * keys, signed one-time keys and cross-signing keys made with real Ed25519 keys.
 */
import { Router } from 'express';
import { addSignature, generateSigningKey, signPayload, signedJsonPayload, type SigningKey } from '@lattice/core';
import { DeviceListeners } from '@lattice/client-api';
import { syncRouter } from '@lattice/sync';
import { createE2ee, type E2ee } from '@lattice/e2ee';
import { startTestServer, v3, type Credentials, type DbKind, type TestServer } from '../../../client-api/test/support/test-server.js';

export { DB_KINDS, v3, type Credentials, type DbKind, type TestServer } from '../../../client-api/test/support/test-server.js';

export interface E2eeTestServer extends TestServer {
  e2ee: E2ee;
}

export async function startE2eeTestServer(kind: DbKind): Promise<E2eeTestServer> {
  const late = Router();
  const hs = await startTestServer(kind, { config: { max_request_body_size: 1_048_576 }, app: { routers: [late] } });
  hs.ctx.devices = new DeviceListeners();
  const e2ee = createE2ee(hs.ctx);
  late.use(syncRouter(hs.ctx, { extensions: [e2ee.syncExtension] }), e2ee.router);
  return Object.assign(hs, { e2ee });
}

/** A copy of obj signed by `userId` with key id `keyId`. */
export function signed<T extends Record<string, unknown>>(obj: T, userId: string, keyId: string, key: SigningKey): T {
  const signature = signPayload(signedJsonPayload(obj), key);
  return { ...obj, signatures: addSignature(obj.signatures, userId, keyId, signature) };
}

export interface TestDevice {
  user: Credentials;
  key: SigningKey;
  deviceKeys: Record<string, unknown>;
}

/** Device keys for the user's logged-in device, self-signed. */
export function makeDevice(user: Credentials): TestDevice {
  const key = generateSigningKey(user.device_id.replace(/[^A-Za-z0-9_]/g, '_'));
  const deviceKeys = signed(
    {
      user_id: user.user_id,
      device_id: user.device_id,
      algorithms: ['m.olm.v1.curve25519-aes-sha2', 'm.megolm.v1.aes-sha2'],
      keys: { [`curve25519:${user.device_id}`]: `curve-${user.device_id}`, [`ed25519:${user.device_id}`]: key.publicKeyBase64 },
    },
    user.user_id,
    `ed25519:${user.device_id}`,
    key,
  );
  return { user, key, deviceKeys };
}

/** `n` signed curve25519 one-time keys, ids prefixed so tests can tell them apart. */
export function oneTimeKeys(device: TestDevice, n: number, prefix = 'k'): Record<string, unknown> {
  const keys: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    keys[`signed_curve25519:${prefix}${i}`] = signed({ key: `otk-${prefix}${i}` }, device.user.user_id, `ed25519:${device.user.device_id}`, device.key);
  }
  return keys;
}

export function fallbackKey(device: TestDevice, id: string): Record<string, unknown> {
  return {
    [`signed_curve25519:${id}`]: signed({ key: `fallback-${id}`, fallback: true }, device.user.user_id, `ed25519:${device.user.device_id}`, device.key),
  };
}

export interface CrossSigningKey {
  key: SigningKey;
  /** `ed25519:<public key>` */
  keyId: string;
  json: Record<string, unknown>;
}

/** A cross-signing key of `usage`, signed by `signer` (the master key) when given. */
export function crossSigningKey(userId: string, usage: string, signer?: CrossSigningKey): CrossSigningKey {
  const key = generateSigningKey('cs');
  const keyId = `ed25519:${key.publicKeyBase64}`;
  const json: Record<string, unknown> = { user_id: userId, usage: [usage], keys: { [keyId]: key.publicKeyBase64 } };
  return { key, keyId, json: signer ? signed(json, userId, signer.keyId, signer.key) : json };
}

export async function uploadDevice(hs: TestServer, device: TestDevice, extra: Record<string, unknown> = {}) {
  return hs.request('POST', v3('/keys/upload'), { token: device.user.access_token, body: { device_keys: device.deviceKeys, ...extra } });
}

/** A room `owner` created and `others` joined. */
export async function sharedRoom(hs: TestServer, owner: Credentials, ...others: Credentials[]): Promise<string> {
  const created = await hs.request<{ room_id: string }>('POST', v3('/createRoom'), { token: owner.access_token, body: {} });
  const roomId = created.body.room_id;
  for (const other of others) {
    await hs.request('POST', v3(`/rooms/${encodeURIComponent(roomId)}/invite`), { token: owner.access_token, body: { user_id: other.user_id } });
    const joined = await hs.request('POST', v3(`/rooms/${encodeURIComponent(roomId)}/join`), { token: other.access_token, body: {} });
    if (joined.status !== 200) throw new Error(`join failed: ${JSON.stringify(joined.body)}`);
  }
  return roomId;
}

/** Another login (a new device) of an existing user. */
export async function loginAgain(hs: TestServer, user: Credentials, deviceId?: string): Promise<Credentials> {
  const reply = await hs.request<{ access_token: string; device_id: string; user_id: string }>('POST', v3('/login'), {
    body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: user.user_id }, password: user.password, device_id: deviceId },
  });
  if (reply.status !== 200) throw new Error(`login failed: ${JSON.stringify(reply.body)}`);
  return { ...reply.body, password: user.password };
}

export interface E2eeSyncBody {
  next_batch: string;
  to_device: { events: Array<{ type: string; sender: string; content: Record<string, unknown> }> };
  device_lists?: { changed: string[]; left: string[] };
  [key: string]: unknown;
}

/** GET /sync as `user` (initial without `since`); fails the test unless 200. */
export async function syncAs(hs: TestServer, user: Credentials, since?: string, timeout?: number): Promise<E2eeSyncBody> {
  const q = new URLSearchParams();
  if (since) q.set('since', since);
  if (timeout !== undefined) q.set('timeout', String(timeout));
  const r = await hs.request<E2eeSyncBody>('GET', v3(`/sync?${q}`), { token: user.access_token });
  if (r.status !== 200) throw new Error(`sync failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
