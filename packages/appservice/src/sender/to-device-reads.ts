/**
 * To-device messages for the appservice's users' devices (MSC2409, enabled
 * by org.matrix.msc4203), each with its recipient (to_user_id, to_device_id).
 */
import type { Appservice } from '../registration/appservice.js';
import type { Ctx } from './txn-builder.js';
import type { StreamCursor } from './txn-store.js';

/** Inbox rows read per transaction (every user's: the appservice's are picked out after). */
const MAX_TO_DEVICE_ROWS = 1_000;

export async function readToDevice(ctx: Ctx, as: Appservice, cursor: StreamCursor): Promise<unknown[]> {
  const bound = ctx.rooms.hub.positions.current('to_device');
  if (bound <= cursor.to_device) return [];
  const { rows } = await ctx.db.query<{ user_id: string; device_id: string; stream_id: string; message_json: string }>(
    `SELECT user_id, device_id, stream_id, message_json FROM device_inbox
     WHERE stream_id > $1 AND stream_id <= $2 ORDER BY stream_id, user_id, device_id LIMIT ${MAX_TO_DEVICE_ROWS}`,
    [cursor.to_device, bound],
  );
  let taken = rows;
  cursor.to_device = bound;
  if (rows.length === MAX_TO_DEVICE_ROWS) {
    // A full page: stop before its last position (its rows may go on past the page), unless that is all there is.
    const last = Number(rows[rows.length - 1]!.stream_id);
    const before = rows.filter((r) => Number(r.stream_id) < last);
    if (before.length > 0) {
      taken = before;
      cursor.to_device = last - 1;
    } else {
      // One request's messages fill the page: take all of them.
      taken = (
        await ctx.db.query<{ user_id: string; device_id: string; stream_id: string; message_json: string }>(
          'SELECT user_id, device_id, stream_id, message_json FROM device_inbox WHERE stream_id = $1 ORDER BY user_id, device_id',
          [last],
        )
      ).rows;
      cursor.to_device = last;
    }
  }
  return taken
    .filter((r) => as.isInterestedInUser(r.user_id))
    .map((r) => ({ ...(JSON.parse(r.message_json) as Record<string, unknown>), to_user_id: r.user_id, to_device_id: r.device_id }));
}
