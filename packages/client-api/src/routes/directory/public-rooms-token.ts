/**
 * /publicRooms pagination tokens (`since`, `next_batch`, `prev_batch`): the
 * directory is ordered by joined members (most first), then room id, and a
 * token names a room's place in that order and which way to read from it.
 * Keyset pagination keeps pages free of repeats and gaps while rooms are
 * published or unpublished between requests. Opaque to clients (base64url JSON).
 */
import { Errors } from '@lattice/core';

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
  return Buffer.from(JSON.stringify([token.dir, token.at.joinedMembers, token.at.roomId])).toString('base64url');
}

/** 400 M_INVALID_PARAM for anything this server did not hand out. */
export function decodePageToken(text: string): PageToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed.length === 3) {
    const [dir, joinedMembers, roomId] = parsed as unknown[];
    if ((dir === 'f' || dir === 'b') && Number.isSafeInteger(joinedMembers) && typeof roomId === 'string') {
      return { dir, at: { joinedMembers: joinedMembers as number, roomId } };
    }
  }
  throw Errors.invalidParam('Invalid pagination token');
}
