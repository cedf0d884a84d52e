/**
 * /publicRooms pagination tokens (`since`, `next_batch`, `prev_batch`): the
 * directory is ordered by joined members (most first), then room id, and a
 * token names a room's place in that order and which way to read from it.
 * Keyset pagination keeps pages free of repeats and gaps while rooms are
 * published or unpublished between requests. Opaque to clients (base64url JSON).
 */
import { Errors } from '@lattice/core';
import { decodeJsonToken, encodeJsonToken } from '../../http/json-token.js';

export interface DirectoryPosition {
  joinedMembers: number;
  roomId: string;
}

export interface PageToken {
  /** 'f': the rooms after `at` in directory order; 'b': the rooms before it. */
  dir: 'f' | 'b';
  at: DirectoryPosition;
}

export function encodePageToken(token: PageToken): string {
  return encodeJsonToken([token.dir, token.at.joinedMembers, token.at.roomId]);
}

/** 400 M_INVALID_PARAM for anything this server did not hand out. */
export function decodePageToken(text: string): PageToken {
  const parsed = decodeJsonToken(text);
  if (parsed?.length === 3) {
    const [dir, joinedMembers, roomId] = parsed;
    if ((dir === 'f' || dir === 'b') && Number.isSafeInteger(joinedMembers) && typeof roomId === 'string') {
      return { dir, at: { joinedMembers: joinedMembers as number, roomId } };
    }
  }
  throw Errors.invalidParam('Invalid pagination token');
}
