/**
 * Filters uploaded with POST /user/{userId}/filter: stored as the client sent
 * them (GET returns that JSON), ids from one sequence, looked up per user.
 */
import type { Queryable } from '@lattice/storage';

export async function insertFilter(db: Queryable, userId: string, filterJson: string): Promise<string> {
  const { rows } = await db.query<{ filter_id: number }>(
    `INSERT INTO user_filters (user_id, filter_id, filter_json)
     VALUES ($1, nextval('user_filter_id_seq'), $2) RETURNING filter_id`,
    [userId, filterJson],
  );
  return String(rows[0]!.filter_id);
}

/** The stored JSON text, or undefined when the user has no such filter (ids that are not numbers included). */
export async function selectFilter(db: Queryable, userId: string, filterId: string): Promise<string | undefined> {
  if (!/^[0-9]{1,15}$/.test(filterId)) return undefined;
  const { rows } = await db.query<{ filter_json: string }>(
    'SELECT filter_json FROM user_filters WHERE user_id = $1 AND filter_id = $2',
    [userId, Number(filterId)],
  );
  return rows[0]?.filter_json;
}
