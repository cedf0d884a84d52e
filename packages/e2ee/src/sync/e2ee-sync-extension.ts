/**
 * The /sync sections of end-to-end encryption (end_to_end_encryption.md
 * "Extensions to /sync", send_to_device.md): to_device messages, device_lists
 * changes, one-time key counts and unused fallback key types.
 *
 * To-device messages at or below `since` were acknowledged by the client and
 * are deleted now; at most TO_DEVICE_LIMIT are sent per response, and when
 * more wait the response's to_device position stops at the last one sent.
 */
import type { SyncContribution, SyncExtension, SyncExtensionRequest } from '@lattice/sync';
import { StreamPosition } from '@lattice/replication';
import type { Queryable } from '@lattice/storage';
import { deviceListUpdates } from '../device-lists/device-list-updates.js';
import { oneTimeKeyCounts, unusedFallbackKeyTypes } from '../stores/device-keys.js';
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

  constructor(private readonly db: Queryable) {}

  async contribute(req: SyncExtensionRequest): Promise<SyncContribution> {
    const { userId, deviceId, since, to } = req;
    const toDeviceTo = to.get('to_device');
    const sinceToDevice = since?.get('to_device').min ?? 0;
    // Acknowledged messages (at or below `since`) and the new ones (above it) are disjoint: both at once.
    const [, batch, counts, fallbackTypes, deviceLists] = await Promise.all([
      sinceToDevice > 0 ? acknowledgeToDevice(this.db, userId, deviceId, sinceToDevice) : undefined,
      readToDevice(this.db, userId, deviceId, sinceToDevice, toDeviceTo.max, TO_DEVICE_LIMIT),
      oneTimeKeyCounts(this.db, userId, deviceId),
      unusedFallbackKeyTypes(this.db, userId, deviceId),
      since === undefined
        ? { changed: [], left: [] }
        : deviceListUpdates(this.db, userId, [...req.joinedRoomIds], {
            deviceLists: { from: since.get('device_lists').min, to: to.get('device_lists').max },
            events: { from: since.get('events').min, to: to.get('events').max },
          }),
    ]);
    const last = batch.messages.at(-1)?.position;
    return {
      sections: {
        to_device: { events: batch.messages.map((m) => m.message) },
        device_lists: deviceLists,
        device_one_time_keys_count: counts,
        device_unused_fallback_key_types: fallbackTypes,
      },
      hasUpdates: batch.messages.length > 0 || deviceLists.changed.length > 0 || deviceLists.left.length > 0,
      ...(batch.limited && last !== undefined ? { positions: { to_device: capPosition(toDeviceTo, last) } } : {}),
    };
  }
}
