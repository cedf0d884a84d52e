/**
 * Inbound m.device_list_update and m.signing_key_update EDUs: a server may
 * speak only for its own users, and only about users we share a room with
 * (nobody else's list is kept). An update whose prev_id we have applied is
 * applied to the cached list; one that shows a missed update marks the list
 * stale and fetches it again (/user/devices). Either way the local users
 * sharing a room with that user see them in device_lists.changed.
 */
import { serverNameOf, type Logger } from '@lattice/core';
import { recordDeviceListChange, type E2eeServices } from '@lattice/e2ee';
import type { EduHandler } from '../inbound/edu-dispatcher.js';
import { applyDeviceUpdate, cachedList, markStale, updateSigningKeys } from './remote-device-cache.js';
import { ownCrossSigningKey, ownDeviceKeys, type DeviceListResync } from './remote-device-resync.js';
import { sharesRoomWithLocalUser } from './shared-rooms.js';

export interface DeviceListEduDeps {
  services: E2eeServices;
  resync: DeviceListResync;
  logger: Logger;
}

/** The user the EDU is about, when it is a user of the origin we share a room with. */
async function trackedUserOf(deps: DeviceListEduDeps, origin: string, content: Record<string, unknown>, eduType: string): Promise<string | undefined> {
  const userId = content.user_id;
  if (typeof userId !== 'string') return undefined;
  if (serverNameOf(userId) !== origin) {
    deps.logger.warn({ origin, userId, eduType }, 'ignoring an EDU about a user of another server');
    return undefined;
  }
  return (await sharesRoomWithLocalUser(deps.services.ctx.db, userId)) ? userId : undefined;
}

function streamIds(value: unknown): number[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => Number.isSafeInteger(v))) return undefined;
  return value as number[];
}

export function deviceListUpdateHandler(deps: DeviceListEduDeps): EduHandler {
  const { services } = deps;
  return async (origin, content) => {
    const userId = await trackedUserOf(deps, origin, content, 'm.device_list_update');
    if (userId === undefined) return;
    const { device_id: deviceId, stream_id: streamId, deleted, device_display_name: name } = content;
    const prevIds = streamIds(content.prev_id);
    if (typeof deviceId !== 'string' || typeof streamId !== 'number' || !Number.isSafeInteger(streamId) || prevIds === undefined) return;
    let missedOne = false;
    await services.deviceListsWriter.write(services.ctx.db, async (tx, pos) => {
      const cached = await cachedList(tx, userId, true);
      if (cached !== undefined && !cached.stale) {
        if (streamId <= cached.streamId) return []; // applied already (or covered by a later fetch)
        if (prevIds.every((p) => p <= cached.streamId)) {
          const device = { deviceId, keys: ownDeviceKeys(content.keys, userId, deviceId), ...(typeof name === 'string' ? { displayName: name } : {}) };
          await applyDeviceUpdate(tx, userId, streamId, device, deleted === true);
        } else {
          await markStale(tx, userId);
          missedOne = true;
        }
      }
      // Without a (current) cached list there is nothing to apply to: the next query fetches it.
      return recordDeviceListChange(tx, pos, userId, { remote: true });
    });
    if (missedOne) deps.resync.resyncSoon(userId);
  };
}

export function signingKeyUpdateHandler(deps: DeviceListEduDeps): EduHandler {
  const { services } = deps;
  return async (origin, content) => {
    const userId = await trackedUserOf(deps, origin, content, 'm.signing_key_update');
    if (userId === undefined) return;
    const master = ownCrossSigningKey(content.master_key, userId);
    const selfSigning = ownCrossSigningKey(content.self_signing_key, userId);
    if (master === undefined && selfSigning === undefined) return;
    await services.deviceListsWriter.write(services.ctx.db, async (tx, pos) => {
      if ((await cachedList(tx, userId, true)) !== undefined) await updateSigningKeys(tx, userId, master, selfSigning);
      return recordDeviceListChange(tx, pos, userId, { remote: true });
    });
  };
}
