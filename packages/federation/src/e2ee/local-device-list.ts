/**
 * A local user's device list as other servers see it: the answer of
 * GET /user/devices/{userId} (user_devices.yaml) and the contents of the
 * m.device_list_update and m.signing_key_update EDUs describing it.
 * Device keys carry the signatures uploaded for them; the master key carries
 * only its owner's signatures (others' user-signing signatures stay private).
 */
import type { Queryable } from '@lattice/storage';
import { queryLocalKeys } from '@lattice/e2ee';
import { lastSentStreamIds } from './outbound-stream-ids.js';

type Json = Record<string, unknown>;

export interface LocalDevice {
  device_id: string;
  keys: Json;
  device_display_name?: string;
}

/** No requester: nobody's user-signing signatures or key are shown. */
const NO_REQUESTER = '';

export interface LocalDeviceList {
  devices: LocalDevice[];
  master_key?: Json;
  self_signing_key?: Json;
}

/** The user's devices with keys (all of them, or the ones named) and cross-signing keys. */
export async function localDeviceList(db: Queryable, userId: string, deviceIds: readonly string[] = []): Promise<LocalDeviceList> {
  const keys = await queryLocalKeys(db, NO_REQUESTER, new Map([[userId, deviceIds]]));
  const devices = Object.entries(keys.device_keys[userId] ?? {}).map(([deviceId, deviceKeys]): LocalDevice => {
    const name = (deviceKeys.unsigned as Json | undefined)?.device_display_name;
    return { device_id: deviceId, keys: deviceKeys, ...(typeof name === 'string' ? { device_display_name: name } : {}) };
  });
  return {
    devices,
    ...(keys.master_keys[userId] ? { master_key: keys.master_keys[userId] } : {}),
    ...(keys.self_signing_keys[userId] ? { self_signing_key: keys.self_signing_keys[userId] } : {}),
  };
}

/** GET /user/devices/{userId}: the list with the stream id of the last update sent for it. */
export async function userDevicesResponse(db: Queryable, userId: string): Promise<Json> {
  const [list, ids] = await Promise.all([localDeviceList(db, userId), lastSentStreamIds(db, [userId])]);
  return { user_id: userId, stream_id: ids.get(userId) ?? 0, ...list };
}

/** m.signing_key_update content: the user's current master and self-signing keys. */
export async function signingKeyUpdate(db: Queryable, userId: string): Promise<Json> {
  const { master_key, self_signing_key } = await localDeviceList(db, userId);
  return { user_id: userId, ...(master_key ? { master_key } : {}), ...(self_signing_key ? { self_signing_key } : {}) };
}

/**
 * m.device_list_update content for one device as it is now: its keys and
 * name, or `deleted` once the device is gone.
 */
export async function deviceListUpdate(db: Queryable, userId: string, deviceId: string, streamId: number, prevId: number | undefined): Promise<Json> {
  const { rows } = await db.query<{ display_name: string | null }>('SELECT display_name FROM devices WHERE user_id = $1 AND device_id = $2', [
    userId,
    deviceId,
  ]);
  const base = { user_id: userId, device_id: deviceId, stream_id: streamId, prev_id: prevId === undefined ? [] : [prevId] };
  if (rows.length === 0) return { ...base, deleted: true };
  const device = (await localDeviceList(db, userId, [deviceId])).devices[0];
  const name = rows[0]!.display_name;
  return { ...base, deleted: false, ...(name !== null ? { device_display_name: name } : {}), ...(device ? { keys: device.keys } : {}) };
}

/** The user's devices now (for a change that does not say which devices it concerns). */
export async function deviceIdsOf(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ device_id: string }>('SELECT device_id FROM devices WHERE user_id = $1 ORDER BY device_id', [userId]);
  return rows.map((r) => r.device_id);
}
