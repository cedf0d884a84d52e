/**
 * Batched reads of /sync across all of a user's rooms: one query for every
 * room rather than one per room (an initial sync of 100 rooms stays a handful
 * of round trips). Event bodies then come from RoomStore.getEvents (cached).
 */
import { selectRecentEventIds } from '@lattice/rooms';
import type { Queryable } from '@lattice/storage';

/** The newest visible event of each room at or before its position: where the state at that position is read. */
export async function lastEventsAtOrBefore(
  db: Queryable,
  points: ReadonlyArray<{ roomId: string; at: number }>,
): Promise<Map<string, string>> {
  const found = await selectRecentEventIds(
    db,
    points.map((p) => ({ roomId: p.roomId, from: 0, to: p.at })),
    1,
  );
  return new Map([...found].map(([roomId, ids]) => [roomId, ids[0]!]));
}

/** The highest stream position of any event of each room (to tell whether current state is still the state at a position). */
export async function latestStreamOrderings(db: Queryable, roomIds: readonly string[]): Promise<Map<string, number>> {
  if (roomIds.length === 0) return new Map();
  const { rows } = await db.query<{ room_id: string; latest: number }>(
    `SELECT r.room_id, (SELECT max(e.stream_ordering) FROM events e WHERE e.room_id = r.room_id) AS latest
     FROM unnest($1::text[]) AS r (room_id)`,
    [roomIds],
  );
  return new Map(rows.map((r) => [r.room_id, r.latest ?? 0]));
}

export interface MembershipAt {
  membership: string;
  eventId: string;
  streamOrdering: number;
  /** The user forgot the room (POST /forget) after leaving it: it no longer shows in sync. */
  forgotten?: boolean;
}

/** The user's membership in each room as of stream position `at` (rooms with none then are absent). */
export async function membershipsAsOf(
  db: Queryable,
  userId: string,
  roomIds: readonly string[],
  at: number,
): Promise<Map<string, MembershipAt>> {
  if (roomIds.length === 0) return new Map();
  const { rows } = await db.query<{ room_id: string; membership: string; event_id: string; stream_ordering: number }>(
    `SELECT DISTINCT ON (m.room_id) m.room_id, m.membership, m.event_id, m.stream_ordering
     FROM room_memberships m JOIN events e ON e.event_id = m.event_id
     WHERE m.user_id = $1 AND m.room_id = ANY($2::text[]) AND m.stream_ordering <= $3
       AND e.rejected_reason IS NULL AND NOT e.soft_failed
     ORDER BY m.room_id, m.stream_ordering DESC`,
    [userId, roomIds, at],
  );
  return new Map(rows.map((r) => [r.room_id, { membership: r.membership, eventId: r.event_id, streamOrdering: r.stream_ordering }]));
}

export interface RoomSummaryFacts {
  joined: number;
  invited: number;
  /** Set when the room has neither a name nor a canonical alias (spec: m.heroes required then). */
  heroes?: string[];
}

const MAX_HEROES = 5;

/**
 * Member counts of each room and, for rooms without a name or canonical alias,
 * the heroes: the first 5 joined or invited members by stream order other than
 * the user, else the left and banned ones (sync.yaml RoomSummary).
 */
export async function roomSummaries(db: Queryable, userId: string, roomIds: readonly string[]): Promise<Map<string, RoomSummaryFacts>> {
  const out = new Map<string, RoomSummaryFacts>();
  if (roomIds.length === 0) return out;
  const [counts, heroes] = await Promise.all([
    db.query<{ room_id: string; joined: number; invited: number }>(
      `SELECT r.room_id,
         (SELECT count(*) FROM current_state_events c WHERE c.room_id = r.room_id AND c.type = 'm.room.member' AND c.membership = 'join') AS joined,
         (SELECT count(*) FROM current_state_events c WHERE c.room_id = r.room_id AND c.type = 'm.room.member' AND c.membership = 'invite') AS invited
       FROM unnest($1::text[]) AS r (room_id)`,
      [roomIds],
    ),
    db.query<{ room_id: string; user_id: string; membership: string }>(
      `SELECT r.room_id, h.state_key AS user_id, h.membership
       FROM unnest($1::text[]) AS r (room_id)
       CROSS JOIN LATERAL (
         SELECT c.state_key, c.membership FROM current_state_events c JOIN events e ON e.event_id = c.event_id
         WHERE c.room_id = r.room_id AND c.type = 'm.room.member' AND c.state_key <> $2
         ORDER BY (c.membership IN ('join', 'invite')) DESC, e.stream_ordering
         LIMIT ${MAX_HEROES}
       ) h
       WHERE NOT EXISTS (
         SELECT 1 FROM current_state_events n JOIN events ne ON ne.event_id = n.event_id
         WHERE n.room_id = r.room_id AND n.state_key = ''
           AND ((n.type = 'm.room.name' AND coalesce(event_jsonb(ne.json) #>> '{content,name}', '') <> '')
             OR (n.type = 'm.room.canonical_alias' AND coalesce(event_jsonb(ne.json) #>> '{content,alias}', '') <> ''))
       )`,
      [roomIds, userId],
    ),
  ]);
  for (const r of counts.rows) out.set(r.room_id, { joined: r.joined, invited: r.invited });
  const present = (m: string) => m === 'join' || m === 'invite';
  const byRoom = new Map<string, Array<{ user_id: string; membership: string }>>();
  for (const r of heroes.rows) {
    let list = byRoom.get(r.room_id);
    if (!list) byRoom.set(r.room_id, (list = []));
    list.push(r);
  }
  for (const [roomId, list] of byRoom) {
    // Left and banned members only stand in when nobody joined or invited is left to show.
    const chosen = list.some((h) => present(h.membership)) ? list.filter((h) => present(h.membership)) : list;
    out.get(roomId)!.heroes = chosen.map((h) => h.user_id);
  }
  return out;
}
