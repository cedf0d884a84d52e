/**
 * The POST /rooms/{roomId}/upgrade body (room_upgrades.yaml): `new_version`
 * must name a room version this server supports (400 M_UNSUPPORTED_ROOM_VERSION),
 * `additional_creators` (v1.16) is a list of user ids, used only when the new
 * version has additional creators.
 */
import { Errors, getRoomVersion, isValidUserId, type RoomVersion } from '@lattice/core';
import { requireString } from '../../http/validate.js';

export interface UpgradeRequest {
  version: RoomVersion;
  additionalCreators: string[];
}

export function parseUpgradeRequest(body: Record<string, unknown>, upgrader: string): UpgradeRequest {
  const requested = requireString(body, 'new_version');
  const version = getRoomVersion(requested);
  if (version === undefined) throw Errors.unsupportedRoomVersion(requested);
  const raw = body['additional_creators'];
  let additionalCreators: string[] = [];
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw) || !raw.every((u): u is string => typeof u === 'string' && isValidUserId(u))) {
      throw Errors.invalidParam("'additional_creators' must be an array of user ids");
    }
    additionalCreators = [...new Set(raw)].filter((u) => u !== upgrader);
  }
  return { version, additionalCreators: version.privilegedCreators ? additionalCreators : [] };
}
