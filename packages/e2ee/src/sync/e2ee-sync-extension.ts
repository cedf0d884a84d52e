/**
 * The /sync sections of end-to-end encryption (end_to_end_encryption.md
 * "Extensions to /sync", send_to_device.md): to_device messages, device_lists
 * changes, one-time key counts and unused fallback key types.
 *
 * To-device messages at or below `since` were acknowledged by the client and
 * are deleted now (once per position: this worker remembers what it deleted);
 * at most TO_DEVICE_LIMIT are sent per response, and when more wait the
 * response's to_device position stops at the last one sent. Windows the
 * request's KnownChanges rule out are not read.
 */
import type { SyncContribution, SyncExtension, SyncExtensionRequest } from '@lattice/sync';
import { StreamPosition, type SyncToken } from '@lattice/replication';
import { Lru } from '@lattice/rooms';
import type { Queryable } from '@lattice/storage';
import { deviceListUpdates, type DeviceListWindow } from '../device-lists/device-list-updates.js';
import { oneTimeKeyCountsAndFallbacks } from '../stores/device-keys.js';
import { acknowledgeToDevice, readToDevice } from '../stores/device-inbox.js';

/** send_to_device.md recommends 100 messages per /sync response. */
export const TO_DEVICE_LIMIT = 100;

/** `position` lowered to `cap` for every writer (a limited batch stops there). */
function capPosition(position: StreamPosition, cap: number): StreamPosition {
  const writers = new Map<string, number>([['', Math.min(position.min, cap)]]);
  for (const [writer, p] of position.writers) writers.set(writer, Math.min(p, cap));
  return StreamPosition.fromWriters(writers);
}

export class E2eeSyncExtension implements SyncExtension {
  readonly name = 'e2ee';
  /** Per device, the to_device position up to which this worker deleted acknowledged messages. */
  private readonly acknowledged = new Lru<string, number>(50_000);

  constructor(private readonly db: Queryable) {}

  async contribute(req: SyncExtensionRequest): Promise<SyncContribution> {
    const { userId, deviceId, since, to, changes } = req;
    const toDeviceTo = to.get('to_device');
    const sinceToDevice = since?.get('to_device').min ?? 0;
    const toDeviceUpTo = changes && !changes.user('to_device') ? sinceToDevice : toDeviceTo.max;
    // Acknowledged messages (at or below `since`) and the new ones (above it) are disjoint: both at once.
    const [, batch, deviceLists] = await Promise.all([
      this.acknowledge(userId, deviceId, sinceToDevice),
      readToDevice(this.db, userId, deviceId, sinceToDevice, toDeviceUpTo, TO_DEVICE_LIMIT),
      since === undefined
        ? { changed: [], left: [] }
        : deviceListUpdates(this.db, userId, [...req.joinedRoomIds], deviceListWindow(req, since)),
    ]);
    const last = batch.messages.at(-1)?.position;
    return {
      sections: {
        to_device: { events: batch.messages.map((m) => m.message) },
        device_lists: deviceLists,
      },
      // Key counts never make a sync answer: a long-poll that waits reads them once, for its answer.
      lateSections: async () => {
        const keys = await oneTimeKeyCountsAndFallbacks(this.db, userId, deviceId);
        return { device_one_time_keys_count: keys.counts, device_unused_fallback_key_types: keys.unusedFallbackTypes };
      },
      hasUpdates: batch.messages.length > 0 || deviceLists.changed.length > 0 || deviceLists.left.length > 0,
      ...(batch.limited && last !== undefined ? { positions: { to_device: capPosition(toDeviceTo, last) } } : {}),
    };
  }

  private async acknowledge(userId: string, deviceId: string, upTo: number): Promise<void> {
    const key = `${userId}|${deviceId}`;
    if (upTo <= (this.acknowledged.get(key) ?? 0)) return;
    await acknowledgeToDevice(this.db, userId, deviceId, upTo);
    this.acknowledged.set(key, upTo);
  }
}

/**
 * The device_lists and events windows of (since, to]; one the Notifier knows
 * holds nothing for the user is empty: no key change of the user or of anyone
 * in its rooms, no membership event of the user or in its rooms.
 */
function deviceListWindow(req: SyncExtensionRequest, since: SyncToken): DeviceListWindow {
  const { changes, to, joinedRoomIds } = req;
  const deviceListsFrom = since.get('device_lists').min;
  const eventsFrom = since.get('events').min;
  const keysMoved = !changes || changes.user('device_lists') || changes.rooms('device_lists', joinedRoomIds);
  const membersMoved = !changes || changes.coMembers(joinedRoomIds);
  return {
    deviceLists: { from: deviceListsFrom, to: keysMoved ? to.get('device_lists').max : deviceListsFrom },
    events: { from: eventsFrom, to: membersMoved ? to.get('events').max : eventsFrom },
  };
}
