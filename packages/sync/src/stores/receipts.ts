/**
 * Receipts: the latest event per (room, receipt type, user, thread). A receipt
 * only ever moves forward in the room's stream order (an older one is ignored,
 * as receipts are "up to" markers). Each write takes a receipts stream position.
 */
import type { RoomScopedRow } from '@lattice/replication';
import type { Database, Queryable } from '@lattice/storage';
import type { RowWriter } from './stream-write.js';

/** thread_id stored for unthreaded receipts. */
export const UNTHREADED = '';

export interface Receipt {
  roomId: string;
  receiptType: string;
  userId: string;
  /** UNTHREADED, 'main' or a thread root event id. */
  threadId: string;
  eventId: string;
  eventStreamOrdering: number;
  ts: number;
}

export function putReceipt(db: Database, writer: RowWriter<RoomScopedRow>, receipt: Receipt): Promise<number> {
  return writer.write(db, async (tx, position) => {
    const { rowCount } = await tx.query(
      `INSERT INTO receipts (room_id, receipt_type, user_id, thread_id, event_id, event_stream_ordering, ts, stream_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (room_id, receipt_type, user_id, thread_id) DO UPDATE
         SET event_id = EXCLUDED.event_id, event_stream_ordering = EXCLUDED.event_stream_ordering,
             ts = EXCLUDED.ts, stream_id = EXCLUDED.stream_id
         WHERE receipts.event_stream_ordering < EXCLUDED.event_stream_ordering`,
      [
        receipt.roomId,
        receipt.receiptType,
        receipt.userId,
        receipt.threadId,
        receipt.eventId,
        receipt.eventStreamOrdering,
        receipt.ts,
        position,
      ],
    );
    return rowCount > 0 ? [{ room_id: receipt.roomId, user_id: receipt.userId }] : [];
  });
}

/** Receipts of the rooms written in (from, to] (from 0: all of them). */
export async function receiptsBetween(db: Queryable, roomIds: readonly string[], from: number, to: number): Promise<Receipt[]> {
  if (roomIds.length === 0 || from >= to) return [];
  const { rows } = await db.query<{
    room_id: string;
    receipt_type: string;
    user_id: string;
    thread_id: string;
    event_id: string;
    event_stream_ordering: number;
    ts: number;
  }>(
    `SELECT room_id, receipt_type, user_id, thread_id, event_id, event_stream_ordering, ts FROM receipts
     WHERE room_id = ANY($1::text[]) AND stream_id > $2 AND stream_id <= $3`,
    [roomIds, from, to],
  );
  return rows.map((r) => ({
    roomId: r.room_id,
    receiptType: r.receipt_type,
    userId: r.user_id,
    threadId: r.thread_id,
    eventId: r.event_id,
    eventStreamOrdering: r.event_stream_ordering,
    ts: r.ts,
  }));
}

/**
 * The user's read-up-to points per room and thread: the later of m.read and
 * m.read.private (spec "Private read receipts"), keyed by thread id (UNTHREADED,
 * 'main' or a root). Rooms without receipts are absent.
 */
export async function readPositions(
  db: Queryable,
  userId: string,
  roomIds: readonly string[],
): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  if (roomIds.length === 0) return out;
  const { rows } = await db.query<{ room_id: string; thread_id: string; ordering: number }>(
    `SELECT room_id, thread_id, max(event_stream_ordering) AS ordering FROM receipts
     WHERE user_id = $1 AND room_id = ANY($2::text[]) AND receipt_type IN ('m.read', 'm.read.private')
     GROUP BY room_id, thread_id`,
    [userId, roomIds],
  );
  for (const r of rows) {
    let threads = out.get(r.room_id);
    if (!threads) out.set(r.room_id, (threads = new Map()));
    threads.set(r.thread_id, r.ordering);
  }
  return out;
}
