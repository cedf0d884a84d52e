/**
 * What the admin room list and room details report about a room (Synapse's
 * field names), read from the rooms table and the materialised current state.
 * The list computes every room's summary in one query and orders, filters and
 * pages it in SQL: an admin tool, not a hot path.
 */
import type { Queryable } from '@lattice/storage';
import { likeContaining } from '../stores/like-pattern.js';

export interface RoomSummary {
  room_id: string;
  name: string | null;
  canonical_alias: string | null;
  joined_members: number;
  joined_local_members: number;
  version: string;
  creator: string | null;
  encryption: string | null;
  federatable: boolean;
  public: boolean;
  join_rules: string | null;
  guest_access: string | null;
  history_visibility: string | null;
  state_events: number;
  room_type: string | null;
}

export const ROOM_ORDERS = [
  'name',
  'canonical_alias',
  'joined_members',
  'joined_local_members',
  'version',
  'creator',
  'encryption',
  'federatable',
  'public',
  'join_rules',
  'guest_access',
  'history_visibility',
  'state_events',
  // Synapse's deprecated names for name and joined_members.
  'alphabetical',
  'size',
] as const;
export type RoomOrder = (typeof ROOM_ORDERS)[number];

/** Orders listed largest first when dir=f, as Synapse does. */
const LARGEST_FIRST = new Set<string>(['joined_members', 'joined_local_members', 'version', 'state_events']);
const ALIASES: Partial<Record<RoomOrder, RoomOrder>> = { alphabetical: 'name', size: 'joined_members' };

export interface RoomListQuery {
  from: number;
  limit: number;
  orderBy: RoomOrder;
  dir: 'f' | 'b';
  searchTerm?: string;
}

/** $1 = this server's name; the caller appends its own parameters. */
const SUMMARIES = `
  WITH st AS (
    SELECT c.room_id, c.type, c.state_key, c.membership, event_jsonb(e.json) -> 'content' AS content
    FROM current_state_events c JOIN events e ON e.event_id = c.event_id
    WHERE c.room_id = ANY (SELECT room_id FROM rooms WHERE %ROOMS%)
      AND (c.type <> 'm.room.member' OR c.state_key = '')
  ), counts AS (
    SELECT c.room_id, count(*)::int AS state_events,
           count(*) FILTER (WHERE c.type = 'm.room.member' AND c.membership = 'join')::int AS joined_members,
           count(*) FILTER (WHERE c.type = 'm.room.member' AND c.membership = 'join'
                            AND substring(c.state_key FROM position(':' IN c.state_key) + 1) = $1)::int AS joined_local_members
    FROM current_state_events c WHERE c.room_id = ANY (SELECT room_id FROM rooms WHERE %ROOMS%)
    GROUP BY c.room_id
  )
  SELECT r.room_id,
         (SELECT content ->> 'name' FROM st WHERE st.room_id = r.room_id AND type = 'm.room.name' AND state_key = '') AS name,
         (SELECT content ->> 'alias' FROM st WHERE st.room_id = r.room_id AND type = 'm.room.canonical_alias' AND state_key = '') AS canonical_alias,
         coalesce(n.joined_members, 0) AS joined_members,
         coalesce(n.joined_local_members, 0) AS joined_local_members,
         r.room_version AS version,
         r.creator,
         (SELECT content ->> 'algorithm' FROM st WHERE st.room_id = r.room_id AND type = 'm.room.encryption' AND state_key = '') AS encryption,
         coalesce((SELECT (content -> 'm.federate') <> 'false'::jsonb FROM st WHERE st.room_id = r.room_id AND type = 'm.room.create' AND state_key = ''), TRUE) AS federatable,
         r.is_public AS public,
         (SELECT content ->> 'join_rule' FROM st WHERE st.room_id = r.room_id AND type = 'm.room.join_rules' AND state_key = '') AS join_rules,
         (SELECT content ->> 'guest_access' FROM st WHERE st.room_id = r.room_id AND type = 'm.room.guest_access' AND state_key = '') AS guest_access,
         (SELECT content ->> 'history_visibility' FROM st WHERE st.room_id = r.room_id AND type = 'm.room.history_visibility' AND state_key = '') AS history_visibility,
         coalesce(n.state_events, 0) AS state_events,
         (SELECT content ->> 'type' FROM st WHERE st.room_id = r.room_id AND type = 'm.room.create' AND state_key = '') AS room_type
  FROM rooms r LEFT JOIN counts n ON n.room_id = r.room_id
  WHERE r.room_id = ANY (SELECT room_id FROM rooms WHERE %ROOMS%)`;

export async function listRoomSummaries(
  db: Queryable,
  serverName: string,
  q: RoomListQuery,
): Promise<{ rooms: RoomSummary[]; total: number }> {
  const params: unknown[] = [serverName];
  let where = '';
  if (q.searchTerm !== undefined && q.searchTerm !== '') {
    params.push(likeContaining(q.searchTerm), q.searchTerm);
    where = `WHERE s.name ILIKE $2 OR s.canonical_alias ILIKE $2 OR s.room_id = $3`;
  }
  const order = ALIASES[q.orderBy] ?? q.orderBy;
  const ascending = (q.dir === 'f') !== LARGEST_FIRST.has(order);
  const direction = ascending ? 'ASC NULLS LAST' : 'DESC NULLS LAST';
  params.push(q.limit, q.from);
  const { rows } = await db.query<RoomSummary & { total: number }>(
    `SELECT s.*, count(*) OVER ()::int AS total FROM (${SUMMARIES.replaceAll('%ROOMS%', 'TRUE')}) s ${where}
     ORDER BY s.${order} ${direction}, s.room_id ${ascending ? 'ASC' : 'DESC'}
     LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  let total = rows[0]?.total;
  if (total === undefined) {
    // A page past the end still reports how many rooms match.
    const counted = await db.query<{ total: number }>(
      `SELECT count(*)::int AS total FROM (${SUMMARIES.replaceAll('%ROOMS%', 'TRUE')}) s ${where}`,
      params.slice(0, params.length - 2),
    );
    total = counted.rows[0]?.total ?? 0;
  }
  return { rooms: rows.map(({ total: _total, ...room }) => room), total };
}

export async function roomSummary(db: Queryable, serverName: string, roomId: string): Promise<RoomSummary | undefined> {
  const { rows } = await db.query<RoomSummary>(SUMMARIES.replaceAll('%ROOMS%', 'room_id = $2'), [serverName, roomId]);
  return rows[0];
}
