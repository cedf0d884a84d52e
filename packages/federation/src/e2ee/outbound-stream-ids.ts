/**
 * The per-user sequence of m.device_list_update stream ids this server sends
 * (migrations/0027): the last one is the next update's prev_id and the
 * stream_id /user/devices answers, so a server that fetched the list applies
 * exactly the updates sent after it.
 */
import type { Queryable } from '@lattice/storage';

export async function lastSentStreamIds(db: Queryable, userIds: readonly string[]): Promise<Map<string, number>> {
  if (userIds.length === 0) return new Map();
  const { rows } = await db.query<{ user_id: string; stream_id: string | number }>(
    'SELECT user_id, stream_id FROM device_list_outbound_ids WHERE user_id = ANY($1::text[])',
    [userIds],
  );
  return new Map(rows.map((r) => [r.user_id, Number(r.stream_id)]));
}

export async function saveSentStreamIds(tx: Queryable, ids: ReadonlyMap<string, number>): Promise<void> {
  if (ids.size === 0) return;
  await tx.query(
    `INSERT INTO device_list_outbound_ids (user_id, stream_id) SELECT * FROM unnest($1::text[], $2::bigint[])
     ON CONFLICT (user_id) DO UPDATE SET stream_id = GREATEST(device_list_outbound_ids.stream_id, EXCLUDED.stream_id)`,
    [[...ids.keys()], [...ids.values()]],
  );
}
