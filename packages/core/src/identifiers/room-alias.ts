/** Room aliases (appendices "Room Aliases"): `#localpart:domain`, at most 255 bytes. */
import { isPermissiveLocalpart, splitSigilId, withinIdentifierLimit } from './sigil-id.js';

export interface RoomAlias {
  readonly localpart: string;
  readonly domain: string;
}

export function parseRoomAlias(alias: string): RoomAlias | undefined {
  if (!withinIdentifierLimit(alias)) return undefined;
  const parts = splitSigilId(alias, '#');
  return parts !== undefined && isPermissiveLocalpart(parts.localpart) ? parts : undefined;
}

export function isValidRoomAlias(alias: string): boolean {
  return parseRoomAlias(alias) !== undefined;
}
