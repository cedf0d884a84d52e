/**
 * The published room directory as one SQL statement: published rooms that
 * anyone could join or read (join rule public/knock/knock_restricted, or
 * world-readable history) and that still have joined members, as Synapse
 * lists them; filtered by search term and room type; ordered by joined
 * members (most first), then room id; one keyset page with the facts needed
 * for its tokens.
 *
 * Room facts are read from current state on each request: a member count and
 * one JSON parse per directory state event of every published room (about
 * 0.1 ms a room: 2,000 published rooms cost ~150-300 ms a page on PostgreSQL).
 * A stats table kept by the event persister, as Synapse's room_stats_state,
 * would make a page cost O(page) (not there yet).
 */
import type { Queryable } from '@lattice/storage';
import type { DirectoryPosition, PageToken } from './public-rooms-token.js';

export interface PublicRoomsFilter {
  /** Case-insensitive substring of the name, topic or canonical alias, or exactly the room id. */
  searchTerm?: string;
  /** Room types to include (null: rooms without a type); undefined or empty: all. */
  roomTypes?: ReadonlyArray<string | null>;
}

export interface PublicRoomsQuery {
  filter: PublicRoomsFilter;
  /** Rooms per page; undefined: all of them. */
  limit?: number;
  from?: PageToken;
}

/** PublishedRoomsChunk (definitions/public_rooms_chunk.yaml). */
export interface PublicRoomsChunk {
  room_id: string;
  num_joined_members: number;
  world_readable: boolean;
  guest_can_join: boolean;
  name?: string;
  topic?: string;
  canonical_alias?: string;
  avatar_url?: string;
  join_rule?: string;
  room_type?: string;
}

export interface PublicRoomsPage {
  /** In directory order. */
  rooms: PublicRoomsChunk[];
  /** Rooms listed after the page's last one. */
  more: boolean;
  /** Rooms listed before the page's first one. */
  earlier: boolean;
  /** Rooms the filter lets through, all pages together. */
  total: number;
}

/** The state events a room's directory entry is made of. */
export const STATE_TYPES = [
  'm.room.create',
  'm.room.name',
  'm.room.topic',
  'm.room.canonical_alias',
  'm.room.avatar',
  'm.room.join_rules',
  'm.room.history_visibility',
  'm.room.guest_access',
];

/** Types whose directory field survives redaction (the rest read as empty then). The create event's
 *  `type` is kept from v11 on and lost before; a create event is never redacted in practice. */
const KEPT_WHEN_REDACTED = ['m.room.create', 'm.room.join_rules', 'm.room.history_visibility'];

/** A string field of a state event's content; NULL when absent, empty or not a string. */
function field(type: string, key: string): string {
  const path = `state -> '${type}' -> '${key}'`;
  return `CASE WHEN jsonb_typeof(${path}) = 'string' THEN NULLIF(${path} #>> '{}', '') END`;
}

const DESCRIBED = `
  SELECT room_id, joined,
    ${field('m.room.name', 'name')} AS name,
    ${field('m.room.topic', 'topic')} AS topic,
    ${field('m.room.canonical_alias', 'alias')} AS canonical_alias,
    ${field('m.room.avatar', 'url')} AS avatar_url,
    ${field('m.room.join_rules', 'join_rule')} AS join_rule,
    ${field('m.room.history_visibility', 'history_visibility')} AS history_visibility,
    ${field('m.room.guest_access', 'guest_access')} AS guest_access,
    ${field('m.room.create', 'type')} AS room_type
  FROM published`;

class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function filterClauses(filter: PublicRoomsFilter, p: Params): string[] {
  const clauses: string[] = [];
  if (filter.searchTerm !== undefined && filter.searchTerm !== '') {
    const term = p.add(filter.searchTerm);
    const contains = (column: string) => `strpos(lower(${column}), lower(${term})) > 0`;
    clauses.push(`(${contains('name')} OR ${contains('topic')} OR ${contains('canonical_alias')} OR room_id = ${term})`);
  }
  if (filter.roomTypes !== undefined && filter.roomTypes.length > 0) {
    const types = filter.roomTypes.filter((t): t is string => t !== null);
    const untyped = filter.roomTypes.includes(null);
    clauses.push(`(room_type = ANY(${p.add(types)}::text[])${untyped ? ' OR room_type IS NULL' : ''})`);
  }
  return clauses;
}

/** Rows strictly after (dir 'f') or strictly before (dir 'b') a position in directory order. */
function beyond(dir: 'f' | 'b', at: DirectoryPosition, p: Params): string {
  const joined = p.add(at.joinedMembers);
  const roomId = p.add(at.roomId);
  return dir === 'f'
    ? `(joined < ${joined} OR (joined = ${joined} AND room_id > ${roomId}))`
    : `(joined > ${joined} OR (joined = ${joined} AND room_id < ${roomId}))`;
}

interface Row {
  total: number;
  other_side: boolean;
  room_id: string | null;
  joined: number;
  name: string | null;
  topic: string | null;
  canonical_alias: string | null;
  avatar_url: string | null;
  join_rule: string | null;
  history_visibility: string | null;
  guest_access: string | null;
  room_type: string | null;
}

function toChunk(row: Row & { room_id: string }): PublicRoomsChunk {
  const chunk: PublicRoomsChunk = {
    room_id: row.room_id,
    num_joined_members: row.joined,
    world_readable: row.history_visibility === 'world_readable',
    guest_can_join: row.guest_access === 'can_join',
  };
  if (row.name !== null) chunk.name = row.name;
  if (row.topic !== null) chunk.topic = row.topic;
  if (row.canonical_alias !== null) chunk.canonical_alias = row.canonical_alias;
  if (row.avatar_url !== null) chunk.avatar_url = row.avatar_url;
  if (row.join_rule !== null) chunk.join_rule = row.join_rule;
  if (row.room_type !== null) chunk.room_type = row.room_type;
  return chunk;
}

export async function queryPublicRooms(db: Queryable, query: PublicRoomsQuery): Promise<PublicRoomsPage> {
  const p = new Params();
  const types = p.add(STATE_TYPES);
  const kept = p.add(KEPT_WHEN_REDACTED);
  const listedWhere = [
    'joined > 0',
    `(join_rule IN ('public', 'knock', 'knock_restricted') OR history_visibility = 'world_readable')`,
    ...filterClauses(query.filter, p),
  ].join(' AND ');

  const dir = query.from?.dir ?? 'f';
  const pageWhere = query.from ? `WHERE ${beyond(dir, query.from.at, p)}` : '';
  // The rooms on the other side of the page: those not beyond the token's position.
  const otherSide = query.from ? `EXISTS (SELECT 1 FROM listed WHERE NOT ${beyond(dir, query.from.at, p)})` : 'FALSE';
  const order = dir === 'f' ? 'joined DESC, room_id ASC' : 'joined ASC, room_id DESC';
  // One more than asked: its presence says whether more rooms follow.
  const limit = query.limit === undefined ? '' : `LIMIT ${p.add(query.limit + 1)}`;

  // MATERIALIZED: inlined, the state subquery would run once per field that reads it.
  const sql = `
    WITH published AS MATERIALIZED (
      SELECT r.room_id,
        (SELECT count(*) FROM current_state_events m
          WHERE m.room_id = r.room_id AND m.type = 'm.room.member' AND m.membership = 'join') AS joined,
        (SELECT jsonb_object_agg(c.type, CASE WHEN e.redacted AND NOT c.type = ANY(${kept}::text[]) THEN '{}'::jsonb
                                              ELSE event_jsonb(e.json) -> 'content' END)
          FROM current_state_events c JOIN events e ON e.event_id = c.event_id
          WHERE c.room_id = r.room_id AND c.state_key = '' AND c.type = ANY(${types}::text[])) AS state
      FROM rooms r WHERE r.is_public
    ),
    described AS (${DESCRIBED}),
    listed AS (SELECT * FROM described WHERE ${listedWhere})
    SELECT s.total, s.other_side, page.*
    FROM (SELECT (SELECT count(*) FROM listed) AS total, ${otherSide} AS other_side) s
    LEFT JOIN LATERAL (SELECT * FROM listed ${pageWhere} ORDER BY ${order} ${limit}) page ON TRUE
    ORDER BY ${order}`;

  const { rows } = await db.query<Row>(sql, p.values);
  const found = rows.filter((r): r is Row & { room_id: string } => r.room_id !== null);
  const beyondPage = query.limit !== undefined && found.length > query.limit;
  if (beyondPage) found.pop();
  if (dir === 'b') found.reverse();
  return {
    rooms: found.map(toChunk),
    more: dir === 'f' ? beyondPage : rows[0].other_side,
    earlier: dir === 'f' ? rows[0].other_side : beyondPage,
    total: rows[0].total,
  };
}
