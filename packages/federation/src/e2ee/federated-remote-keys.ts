/**
 * The RemoteKeysClient of @lattice/e2ee over federation: /keys/query and
 * /keys/claim for users of other servers fan out to their servers in
 * parallel (each within the client's timeout; a server that fails or does not
 * answer in time is listed in `failures`), and /sendToDevice's messages for
 * them go out as m.direct_to_device EDUs through the durable outbox.
 *
 * Device lists of users we share a room with are cached (their server keeps
 * us current with m.device_list_update), so repeated queries stay local; other
 * users are asked for each time with /user/keys/query.
 */
import { serverNameOf, type Logger } from '@lattice/core';
import type { RemoteFailures, RemoteKeysClaimResult, RemoteKeysClient, RemoteKeysQueryResult } from '@lattice/e2ee';
import type { Queryable } from '@lattice/storage';
import { FederationRequestError, type FederationClient } from '../api.js';
import { dropLists, freshLists, keysFromCache, type CachedKeys } from './remote-device-cache.js';
import { ownCrossSigningKey, ownDeviceKeys, type DeviceListResync } from './remote-device-resync.js';
import { trackedAmong } from './shared-rooms.js';

type Json = Record<string, unknown>;

/** Where EDUs for other servers are queued (FederationSender.queueEdu: durable until acknowledged). */
export interface EduQueue {
  queueEdu(destination: string, eduType: string, content: Record<string, unknown>): Promise<void>;
}

export interface FederatedRemoteKeysDeps {
  db: Queryable;
  client: FederationClient;
  resync: DeviceListResync;
  edus: EduQueue;
  logger: Logger;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Splits a user-keyed map by the users' servers. */
export function byServer<T>(users: Record<string, T>): Map<string, Record<string, T>> {
  const servers = new Map<string, Record<string, T>>();
  for (const [userId, value] of Object.entries(users)) {
    const server = serverNameOf(userId);
    if (server === undefined) continue;
    let group = servers.get(server);
    if (group === undefined) servers.set(server, (group = {}));
    group[userId] = value;
  }
  return servers;
}

function failureOf(err: unknown): Json {
  if (err instanceof FederationRequestError) {
    return { status: err.status ?? 503, ...(err.errcode ? { errcode: err.errcode } : {}), message: err.message };
  }
  return { status: 503, message: err instanceof Error ? err.message : String(err) };
}

export class FederatedRemoteKeys implements RemoteKeysClient {
  constructor(private readonly deps: FederatedRemoteKeysDeps) {}

  async queryKeys(users: Record<string, string[]>, timeoutMs: number): Promise<RemoteKeysQueryResult> {
    const result: RemoteKeysQueryResult = { device_keys: {}, master_keys: {}, self_signing_keys: {}, failures: {} };
    await this.perServer(users, result.failures, async (server, serverUsers) => {
      const got = await this.queryServer(server, serverUsers, timeoutMs);
      Object.assign(result.device_keys, got.device_keys);
      Object.assign(result.master_keys, got.master_keys);
      Object.assign(result.self_signing_keys, got.self_signing_keys);
    });
    return result;
  }

  async claimKeys(devices: Record<string, Record<string, string>>, timeoutMs: number): Promise<RemoteKeysClaimResult> {
    const result: RemoteKeysClaimResult = { one_time_keys: {}, failures: {} };
    await this.perServer(devices, result.failures, async (server, serverDevices) => {
      const body = await this.deps.client.request<Json>({
        method: 'POST',
        destination: server,
        path: '/_matrix/federation/v1/user/keys/claim',
        body: { one_time_keys: serverDevices },
        timeoutMs,
      });
      const claimed = isObject(body.one_time_keys) ? body.one_time_keys : {};
      // Only what was asked for: another server's answer cannot speak for anyone else.
      for (const [userId, wanted] of Object.entries(serverDevices)) {
        const userKeys = claimed[userId];
        if (!isObject(userKeys)) continue;
        for (const deviceId of Object.keys(wanted)) {
          const keys = userKeys[deviceId];
          if (isObject(keys)) (result.one_time_keys[userId] ??= {})[deviceId] = keys;
        }
      }
    });
    return result;
  }

  async sendToDevice(sender: string, type: string, messageId: string, messages: Record<string, Record<string, unknown>>): Promise<void> {
    for (const [server, serverMessages] of byServer(messages)) {
      await this.deps.edus.queueEdu(server, 'm.direct_to_device', { sender, type, message_id: messageId, messages: serverMessages });
    }
  }

  /** Runs `work` for every server at once; a server whose work fails is recorded in `failures`. */
  private async perServer<T>(users: Record<string, T>, failures: RemoteFailures, work: (server: string, users: Record<string, T>) => Promise<void>): Promise<void> {
    await Promise.all(
      [...byServer(users)].map(async ([server, serverUsers]) => {
        try {
          await work(server, serverUsers);
        } catch (err) {
          this.deps.logger.info({ err, server }, 'remote keys request failed');
          failures[server] = failureOf(err);
        }
      }),
    );
  }

  /** Tracked users from the cache (fetching the lists missing or stale), the others from /user/keys/query. */
  private async queryServer(server: string, users: Record<string, string[]>, timeoutMs: number): Promise<CachedKeys> {
    const { db, resync } = this.deps;
    const userIds = Object.keys(users);
    const tracked = await trackedAmong(db, userIds);
    const untracked = userIds.filter((u) => !tracked.has(u));
    // No update keeps the list of a user we no longer share a room with current.
    await dropLists(db, untracked);
    const fresh = await freshLists(db, [...tracked]);
    await Promise.all([...tracked].filter((u) => !fresh.has(u)).map((u) => resync.resync(u, timeoutMs, false)));
    const cached = await keysFromCache(db, new Map([...tracked].map((u) => [u, users[u]!])));
    if (untracked.length === 0) return cached;
    const asked = Object.fromEntries(untracked.map((u) => [u, users[u]!]));
    const fetched = await this.fetchKeys(server, asked, timeoutMs);
    return {
      device_keys: { ...cached.device_keys, ...fetched.device_keys },
      master_keys: { ...cached.master_keys, ...fetched.master_keys },
      self_signing_keys: { ...cached.self_signing_keys, ...fetched.self_signing_keys },
    };
  }

  private async fetchKeys(server: string, users: Record<string, string[]>, timeoutMs: number): Promise<CachedKeys> {
    const body = await this.deps.client.request<Json>({
      method: 'POST',
      destination: server,
      path: '/_matrix/federation/v1/user/keys/query',
      body: { device_keys: users },
      timeoutMs,
    });
    const result: CachedKeys = { device_keys: {}, master_keys: {}, self_signing_keys: {} };
    const deviceKeys = isObject(body.device_keys) ? body.device_keys : {};
    const masters = isObject(body.master_keys) ? body.master_keys : {};
    const selfSigning = isObject(body.self_signing_keys) ? body.self_signing_keys : {};
    for (const userId of Object.keys(users)) {
      const devices = (result.device_keys[userId] = {} as Record<string, Json>);
      const theirs = deviceKeys[userId];
      if (isObject(theirs)) {
        for (const [deviceId, keys] of Object.entries(theirs)) {
          const own = ownDeviceKeys(keys, userId, deviceId);
          if (own) devices[deviceId] = own;
        }
      }
      const master = ownCrossSigningKey(masters[userId], userId);
      if (master) result.master_keys[userId] = master;
      const ssk = ownCrossSigningKey(selfSigning[userId], userId);
      if (ssk) result.self_signing_keys[userId] = ssk;
    }
    return result;
  }
}
