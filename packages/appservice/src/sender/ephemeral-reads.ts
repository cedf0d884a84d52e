/**
 * The ephemeral part of a transaction (spec "Pushing ephemeral data"), in
 * the shapes of /sync plus room_id: receipts and presence read from their
 * streams after the cursor (so they survive restarts), typing as last seen
 * in memory. Receipts and typing follow the event rules (rooms the
 * appservice is interested in); presence concerns its users and users
 * sharing such a room with them.
 */
import type { Appservice } from '../registration/appservice.js';
import type { RoomInterest } from './room-interest.js';
import type { Ctx } from './txn-builder.js';
import type { StreamCursor } from './txn-store.js';

const MAX_EPHEMERAL = 100;

export async function readReceipts(ctx: Ctx, as: Appservice, interest: RoomInterest, cursor: StreamCursor): Promise<unknown[]> {
  const bound = ctx.rooms.hub.positions.current('receipts');
  if (bound <= cursor.receipts) return [];
  const { rows } = await ctx.db.query<{ room_id: string; receipt_type: string; user_id: string; thread_id: string; event_id: string; ts: string; stream_id: string }>(
    `SELECT room_id, receipt_type, user_id, thread_id, event_id, ts, stream_id FROM receipts
     WHERE stream_id > $1 AND stream_id <= $2 ORDER BY stream_id LIMIT ${MAX_EPHEMERAL}`,
    [cursor.receipts, bound],
  );
  cursor.receipts = rows.length === MAX_EPHEMERAL ? Number(rows[rows.length - 1]!.stream_id) : bound;
  const byRoom = new Map<string, Record<string, Record<string, Record<string, Record<string, unknown>>>>>();
  for (const r of rows) {
    if (!(await interest.isInterested(r.room_id))) continue;
    // Private receipts only for the appservice's own users (spec "Pushing ephemeral data").
    if (r.receipt_type === 'm.read.private' && !as.isInterestedInUser(r.user_id)) continue;
    let content = byRoom.get(r.room_id);
    if (content === undefined) byRoom.set(r.room_id, (content = {}));
    const receipt: Record<string, unknown> = { ts: Number(r.ts) };
    if (r.thread_id !== '') receipt.thread_id = r.thread_id;
    ((content[r.event_id] ??= {})[r.receipt_type] ??= {})[r.user_id] = receipt;
  }
  return [...byRoom].map(([roomId, content]) => ({ type: 'm.receipt', room_id: roomId, content }));
}

export async function readPresence(ctx: Ctx, as: Appservice, interest: RoomInterest, cursor: StreamCursor): Promise<unknown[]> {
  const bound = ctx.rooms.hub.positions.current('presence');
  if (bound <= cursor.presence) return [];
  const { rows } = await ctx.db.query<{ user_id: string; state: string; status_msg: string | null; last_active_ts: string; currently_active: boolean; stream_id: string }>(
    `SELECT user_id, state, status_msg, last_active_ts, currently_active, stream_id FROM presence
     WHERE stream_id > $1 AND stream_id <= $2 ORDER BY stream_id LIMIT ${MAX_EPHEMERAL}`,
    [cursor.presence, bound],
  );
  cursor.presence = rows.length === MAX_EPHEMERAL ? Number(rows[rows.length - 1]!.stream_id) : bound;
  const now = Date.now();
  const out: unknown[] = [];
  for (const r of rows) {
    if (!(await presenceConcerns(ctx, as, interest, r.user_id))) continue;
    const content: Record<string, unknown> = {
      presence: r.state,
      last_active_ago: Math.max(0, now - Number(r.last_active_ts)),
      currently_active: r.currently_active,
    };
    if (r.status_msg !== null) content.status_msg = r.status_msg;
    out.push({ type: 'm.presence', sender: r.user_id, content });
  }
  return out;
}

/** The user is the appservice's, or shares a room it is interested in. */
async function presenceConcerns(ctx: Ctx, as: Appservice, interest: RoomInterest, userId: string): Promise<boolean> {
  if (as.isInterestedInUser(userId)) return true;
  const { rows } = await ctx.db.query<{ room_id: string }>(
    `SELECT room_id FROM current_state_events WHERE type = 'm.room.member' AND state_key = $1 AND membership = 'join'`,
    [userId],
  );
  for (const r of rows) if (await interest.isInterested(r.room_id)) return true;
  return false;
}

export async function typingFor(interest: RoomInterest, typing: ReadonlyMap<string, string[]>): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [roomId, userIds] of typing) {
    if (await interest.isInterested(roomId)) out.push({ type: 'm.typing', room_id: roomId, content: { user_ids: userIds } });
  }
  return out;
}
