/**
 * Fetching a remote user's whole device list from their server
 * (GET /user/devices/{userId}) into the cache: the first time it is needed,
 * and again whenever an m.device_list_update shows that one was missed.
 * What the remote server answers is checked: keys must be the user's own.
 */
import { serverNameOf, type Logger } from '@lattice/core';
import { recordDeviceListChange, type E2eeServices } from '@lattice/e2ee';
import type { FederationClient } from '../api.js';
import { cachedList, replaceList, type RemoteDevice, type RemoteDeviceList } from './remote-device-cache.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A cross-signing key of `userId`, or undefined when the value is not one. */
export function ownCrossSigningKey(value: unknown, userId: string): Json | undefined {
  return isObject(value) && value.user_id === userId && isObject(value.keys) ? value : undefined;
}

/** Device keys of `userId`'s `deviceId`, or undefined when the value is not those. */
export function ownDeviceKeys(value: unknown, userId: string, deviceId: string): Json | undefined {
  return isObject(value) && value.user_id === userId && value.device_id === deviceId && isObject(value.keys) ? value : undefined;
}

/** The /user/devices answer as a list to cache; throws when it is not one for `userId`. */
export function parseUserDevices(body: unknown, userId: string): RemoteDeviceList {
  if (!isObject(body) || body.user_id !== userId) throw new Error(`/user/devices answered for another user than ${userId}`);
  const streamId = body.stream_id;
  if (typeof streamId !== 'number' || !Number.isSafeInteger(streamId)) throw new Error('/user/devices answered without a stream_id');
  if (!Array.isArray(body.devices)) throw new Error('/user/devices answered without devices');
  const devices: RemoteDevice[] = [];
  for (const d of body.devices as unknown[]) {
    if (!isObject(d) || typeof d.device_id !== 'string') continue;
    devices.push({
      deviceId: d.device_id,
      keys: ownDeviceKeys(d.keys, userId, d.device_id),
      ...(typeof d.device_display_name === 'string' ? { displayName: d.device_display_name } : {}),
    });
  }
  return {
    streamId,
    devices,
    masterKey: ownCrossSigningKey(body.master_key, userId),
    selfSigningKey: ownCrossSigningKey(body.self_signing_key, userId),
  };
}

export class DeviceListResync {
  /** One fetch per user at a time in this process; later callers share it. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly client: FederationClient,
    private readonly services: E2eeServices,
    private readonly logger: Logger,
  ) {}

  /**
   * Fetches and caches the user's list. `announce`: the list may have changed
   * since local users last saw it, so they are told (device_lists.changed).
   */
  resync(userId: string, timeoutMs: number, announce: boolean): Promise<void> {
    let running = this.inFlight.get(userId);
    if (running === undefined) {
      running = this.fetchAndStore(userId, timeoutMs, announce).finally(() => this.inFlight.delete(userId));
      this.inFlight.set(userId, running);
    }
    return running;
  }

  /**
   * resync() in the background, for the handlers of inbound EDUs (which must
   * not wait on the remote). After any fetch already running: that one may
   * have been answered before the update that showed the gap.
   */
  resyncSoon(userId: string): void {
    const running = this.inFlight.get(userId) ?? Promise.resolve();
    running
      .catch(() => undefined)
      .then(() => this.resync(userId, 30_000, true))
      .catch((err: unknown) => this.logger.info({ err, userId }, 'device list resync failed; retried on the next query'));
  }

  private async fetchAndStore(userId: string, timeoutMs: number, announce: boolean): Promise<void> {
    const destination = serverNameOf(userId)!;
    const body = await this.client.request({
      method: 'GET',
      destination,
      path: `/_matrix/federation/v1/user/devices/${encodeURIComponent(userId)}`,
      timeoutMs,
    });
    const list = parseUserDevices(body, userId);
    const { ctx, deviceListsWriter } = this.services;
    await deviceListsWriter.write(ctx.db, async (tx, pos) => {
      const current = await cachedList(tx, userId, true);
      // Updates newer than this answer were applied meanwhile: keep them.
      if (current !== undefined && !current.stale && current.streamId > list.streamId) return [];
      await replaceList(tx, userId, list);
      return announce ? recordDeviceListChange(tx, pos, userId, { remote: true }) : [];
    });
  }
}
