/** server_notice_txns (migrations/0025): the notice each admin device's transaction id sent. */
import type { Queryable } from '@lattice/storage';

export interface NoticeTxn {
  userId: string;
  deviceId: string;
  txnId: string;
}

export async function noticeOfTxn(db: Queryable, txn: NoticeTxn): Promise<string | undefined> {
  const { rows } = await db.query<{ event_id: string }>(
    'SELECT event_id FROM server_notice_txns WHERE user_id = $1 AND device_id = $2 AND txn_id = $3',
    [txn.userId, txn.deviceId, txn.txnId],
  );
  return rows[0]?.event_id;
}

/** Records the notice; a concurrent request that recorded first wins, and its event id is returned. */
export async function recordNoticeTxn(db: Queryable, txn: NoticeTxn, eventId: string, now = Date.now()): Promise<string> {
  const { rows } = await db.query<{ event_id: string }>(
    `INSERT INTO server_notice_txns (user_id, device_id, txn_id, event_id, created_ts) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (user_id, device_id, txn_id) DO UPDATE SET txn_id = EXCLUDED.txn_id
     RETURNING event_id`,
    [txn.userId, txn.deviceId, txn.txnId, eventId, now],
  );
  return rows[0]!.event_id;
}
