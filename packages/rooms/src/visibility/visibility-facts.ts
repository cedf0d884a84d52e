/**
 * What the history visibility rules need about a batch of events, in two
 * queries whatever the batch size: for each event, the room's
 * history_visibility and the user's membership in the state AFTER it (resolved
 * from its state group: only those two keys are looked up along the group's
 * delta chain, never the full state), and for each room the stream position
 * of the user's latest join (rule 3: "joined the room at any point after").
 */
import type { Queryable } from '@lattice/storage';

export interface StateFactsAfter {
  /** Raw content.history_visibility (undefined: no such state event). */
  visibility: string | undefined;
  membership: string | undefined;
}

/** Per event id; events without state (outliers) are absent. */
export async function stateFactsAfterEvents(
  db: Queryable,
  userId: string,
  eventIds: readonly string[],
): Promise<Map<string, StateFactsAfter>> {
  const out = new Map<string, StateFactsAfter>();
  if (eventIds.length === 0) return out;
  const { rows } = await db.query<{ event_id: string; visibility: string | null; membership: string | null }>(
    `WITH RECURSIVE targets AS (
       SELECT event_id, state_group FROM event_to_state_groups WHERE event_id = ANY($1::text[])
     ), chain (start, id, prev_group, n) AS (
       SELECT g.id, g.id, g.prev_group, 0 FROM state_groups g WHERE g.id IN (SELECT state_group FROM targets)
       UNION ALL
       SELECT c.start, g.id, g.prev_group, c.n + 1 FROM chain c JOIN state_groups g ON g.id = c.prev_group
     ), picked AS (
       -- The nearest entry on the chain wins; a NULL event_id there means the key was removed.
       SELECT DISTINCT ON (c.start, e.type) c.start, e.type, e.event_id
       FROM chain c JOIN state_group_entries e ON e.state_group = c.id
       WHERE (e.type = 'm.room.history_visibility' AND e.state_key = '')
          OR (e.type = 'm.room.member' AND e.state_key = $2)
       ORDER BY c.start, e.type, c.n
     ), resolved AS (
       SELECT p.start,
              max(ev.json::json -> 'content' ->> 'history_visibility') AS visibility,
              max(rm.membership) AS membership
       FROM picked p
       LEFT JOIN events ev ON p.type = 'm.room.history_visibility' AND ev.event_id = p.event_id
       LEFT JOIN room_memberships rm ON p.type = 'm.room.member' AND rm.event_id = p.event_id
       GROUP BY p.start
     )
     SELECT t.event_id, r.visibility, r.membership
     FROM targets t LEFT JOIN resolved r ON r.start = t.state_group`,
    [eventIds, userId],
  );
  for (const row of rows) {
    out.set(row.event_id, { visibility: row.visibility ?? undefined, membership: row.membership ?? undefined });
  }
  return out;
}

/** Room id → stream position of the user's latest accepted join in that room (rooms never joined are absent). */
export async function latestJoins(db: Queryable, userId: string, roomIds: readonly string[]): Promise<Map<string, number>> {
  if (roomIds.length === 0) return new Map();
  const { rows } = await db.query<{ room_id: string; last_join: number }>(
    `SELECT rm.room_id, max(rm.stream_ordering) AS last_join
     FROM room_memberships rm JOIN events e ON e.event_id = rm.event_id
     WHERE rm.user_id = $1 AND rm.room_id = ANY($2::text[]) AND rm.membership = 'join'
       AND e.rejected_reason IS NULL AND NOT e.soft_failed AND NOT e.outlier
     GROUP BY rm.room_id`,
    [userId, roomIds],
  );
  return new Map(rows.map((r) => [r.room_id, r.last_join]));
}
