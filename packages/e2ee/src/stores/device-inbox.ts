/**
 * To-device messages waiting for local devices (send_to_device.md). Each
 * /sendToDevice request writes its messages at one to_device stream position;
 * a device reads them in position order and a message is deleted only when a
 * later request acknowledges it (a sync `since` at or past its position).
 */
import type { Queryable } from '@lattice/storage';

export interface OutgoingMessage {
  userId: string;
  /** undefined: every device of the user ("*"). */
  deviceId: string | undefined;
  /** {type, sender, content} as the recipient receives it. */
  messageJson: string;
}

/** Records the transaction; false when this device already sent it (nothing else to do then). */
export async function claimToDeviceTxn(db: Queryable, userId: string, deviceId: string, txnId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO to_device_txns (user_id, device_id, txn_id, ts) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, device_id, txn_id) DO NOTHING`,
    [userId, deviceId, txnId, Date.now()],
  );
  return rowCount > 0;
}

/**
 * Queues the messages at `position` for the devices that exist ("*" expanded;
 * a device named both ways gets the message addressed to it). Returns the users reached.
 */
export async function queueToDevice(db: Queryable, position: number, messages: readonly OutgoingMessage[]): Promise<string[]> {
  if (messages.length === 0) return [];
  const { rows } = await db.query<{ user_id: string }>(
    `INSERT INTO device_inbox (user_id, device_id, stream_id, message_json)
     SELECT DISTINCT ON (d.user_id, d.device_id) d.user_id, d.device_id, $1, n.message_json
     FROM unnest($2::text[], $3::text[], $4::text[]) AS n(user_id, device_id, message_json)
     JOIN devices d ON d.user_id = n.user_id AND (n.device_id IS NULL OR d.device_id = n.device_id)
     ORDER BY d.user_id, d.device_id, n.device_id IS NULL
     RETURNING user_id`,
    [position, messages.map((m) => m.userId), messages.map((m) => m.deviceId ?? null), messages.map((m) => m.messageJson)],
  );
  return [...new Set(rows.map((r) => r.user_id))];
}

/** Deletes the device's messages at or below `position`: the device has acknowledged them. */
export async function acknowledgeToDevice(db: Queryable, userId: string, deviceId: string, position: number): Promise<void> {
  await db.query('DELETE FROM device_inbox WHERE user_id = $1 AND device_id = $2 AND stream_id <= $3', [userId, deviceId, position]);
}

export interface InboxBatch {
  messages: Array<{ position: number; message: Record<string, unknown> }>;
  /** More messages wait in (last delivered, upTo]. */
  limited: boolean;
}

/** Up to `limit` messages of the device in (after, upTo], oldest first. */
export async function readToDevice(
  db: Queryable,
  userId: string,
  deviceId: string,
  after: number,
  upTo: number,
  limit: number,
): Promise<InboxBatch> {
  if (after >= upTo) return { messages: [], limited: false };
  const { rows } = await db.query<{ stream_id: number | string; message_json: string }>(
    `SELECT stream_id, message_json FROM device_inbox
     WHERE user_id = $1 AND device_id = $2 AND stream_id > $3 AND stream_id <= $4
     ORDER BY stream_id LIMIT $5`,
    [userId, deviceId, after, upTo, limit + 1],
  );
  const limited = rows.length > limit;
  return {
    messages: rows.slice(0, limit).map((r) => ({ position: Number(r.stream_id), message: JSON.parse(r.message_json) as Record<string, unknown> })),
    limited,
  };
}
