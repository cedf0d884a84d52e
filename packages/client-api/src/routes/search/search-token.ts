/**
 * /search `next_batch` tokens. Recent-first pages continue strictly below the
 * last stream position scanned (keyset: new messages arriving between pages do
 * not shift the next page); rank pages continue after the number of ranked rows
 * already scanned (ranks are not a stable key to seek on). A token handed out
 * inside a group (spec: "a token inside a group will return more results from
 * within that group") also names the group. Opaque to clients (base64url JSON);
 * anything we did not hand out is 400 M_INVALID_PARAM.
 */
import { Errors } from '@lattice/core';
import { decodeJsonToken, encodeJsonToken } from '../../http/json-token.js';
import type { GroupKey, SearchOrder } from './search-request.js';

export interface SearchCursor {
  order: SearchOrder;
  /** recent: scan stream positions below this; rank: skip this many ranked rows. */
  after: number;
  /** Restricts the search to one group (a room or a sender). */
  group?: { key: GroupKey; value: string };
}

export function encodeSearchToken(cursor: SearchCursor): string {
  const parts: unknown[] = [cursor.order, cursor.after];
  if (cursor.group) parts.push(cursor.group.key, cursor.group.value);
  return encodeJsonToken(parts);
}

export function decodeSearchToken(text: string, order: SearchOrder): SearchCursor {
  const parts = decodeJsonToken(text);
  if (parts !== undefined && (parts.length === 2 || parts.length === 4)) {
    const [tokenOrder, after, key, value] = parts;
    if (tokenOrder !== order) throw Errors.invalidParam("'next_batch' belongs to a search with another order_by");
    if (Number.isSafeInteger(after) && (after as number) >= 0) {
      if (parts.length === 2) return { order, after: after as number };
      if ((key === 'room_id' || key === 'sender') && typeof value === 'string') return { order, after: after as number, group: { key, value } };
    }
  }
  throw Errors.invalidParam("Invalid 'next_batch' token");
}
