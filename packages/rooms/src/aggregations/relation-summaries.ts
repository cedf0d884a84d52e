/**
 * The raw material of bundled aggregations, read from the event_relations
 * index for a whole batch of parent events at once (one query per relation
 * type, run concurrently): per thread root the count, the viewer's
 * participation and the latest reply; per edited event its latest valid edit;
 * per referenced event the referencing event ids.
 *
 * A child only counts when it is visible in a timeline (not rejected,
 * soft-failed or an outlier), in the parent's room, and not redacted ("when a
 * child event is redacted then the relationship is broken"). Children sent by
 * ignored users are left out of threads and references.
 */
import type { Queryable } from '@lattice/storage';

export interface ThreadSummary {
  count: number;
  /** The viewer sent a reply (whether they sent the root is the caller's knowledge). */
  viewerReplied: boolean;
  /** The newest replies, newest first: the first the viewer may see becomes latest_event. */
  latestEventIds: string[];
}

/** Replies considered for latest_event when the newest are hidden from the viewer (e.g. sent after they left). */
const LATEST_CANDIDATES = 5;

export interface RelationSummaries {
  threads: Map<string, ThreadSummary>;
  /** Parent id → its latest valid m.replace event id. */
  edits: Map<string, string>;
  /** Parent id → m.reference children, oldest first. */
  references: Map<string, string[]>;
}

/** A child `e` of parent `p` through relation `r` that still counts. */
const LIVE_CHILD = `p.room_id = e.room_id AND NOT e.outlier AND e.rejected_reason IS NULL AND NOT e.soft_failed AND NOT e.redacted`;
const FROM_RELATIONS = `FROM event_relations r
  JOIN events e ON e.event_id = r.event_id
  JOIN events p ON p.event_id = r.relates_to_id`;

export async function relationSummaries(
  db: Queryable,
  parentIds: { threads: readonly string[]; edits: readonly string[]; references: readonly string[] },
  viewer: string,
  ignoredUsers: readonly string[],
): Promise<RelationSummaries> {
  const [threads, edits, references] = await Promise.all([
    threadSummaries(db, parentIds.threads, viewer, ignoredUsers),
    latestEdits(db, parentIds.edits),
    referencingEvents(db, parentIds.references, ignoredUsers),
  ]);
  return { threads, edits, references };
}

async function threadSummaries(
  db: Queryable,
  parentIds: readonly string[],
  viewer: string,
  ignoredUsers: readonly string[],
): Promise<Map<string, ThreadSummary>> {
  if (parentIds.length === 0) return new Map();
  const { rows } = await db.query<{ parent: string; count: number; participated: boolean; latest: string[] }>(
    `SELECT r.relates_to_id AS parent, count(*) AS count, bool_or(e.sender = $2) AS participated,
            (array_agg(e.event_id ORDER BY e.topological_ordering DESC, e.stream_ordering DESC))[1:${LATEST_CANDIDATES}] AS latest
     ${FROM_RELATIONS}
     WHERE r.relates_to_id = ANY($1::text[]) AND r.rel_type = 'm.thread' AND ${LIVE_CHILD}
       AND NOT (e.sender = ANY($3::text[]))
     GROUP BY r.relates_to_id`,
    [parentIds, viewer, ignoredUsers],
  );
  return new Map(rows.map((r) => [r.parent, { count: r.count, viewerReplied: r.participated, latestEventIds: r.latest }]));
}

/**
 * Event replacements: "Validity of replacement events" (same sender and type,
 * neither a state event, m.new_content present; the content of m.room.encrypted
 * edits cannot be checked) and "the most recent" = greatest origin_server_ts,
 * then the lexicographically largest event_id (byte order: COLLATE "C").
 * The caller leaves out redacted parents and parents that are edits themselves.
 */
async function latestEdits(db: Queryable, parentIds: readonly string[]): Promise<Map<string, string>> {
  if (parentIds.length === 0) return new Map();
  const { rows } = await db.query<{ parent: string; event_id: string }>(
    `SELECT DISTINCT ON (r.relates_to_id) r.relates_to_id AS parent, e.event_id
     ${FROM_RELATIONS}
     WHERE r.relates_to_id = ANY($1::text[]) AND r.rel_type = 'm.replace' AND ${LIVE_CHILD}
       AND e.sender = p.sender AND e.type = p.type AND e.state_key IS NULL AND p.state_key IS NULL
       AND (e.type = 'm.room.encrypted' OR jsonb_typeof(event_jsonb(e.json) -> 'content' -> 'm.new_content') = 'object')
     ORDER BY r.relates_to_id, e.origin_server_ts DESC, e.event_id COLLATE "C" DESC`,
    [parentIds],
  );
  return new Map(rows.map((r) => [r.parent, r.event_id]));
}

async function referencingEvents(
  db: Queryable,
  parentIds: readonly string[],
  ignoredUsers: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (parentIds.length === 0) return out;
  const { rows } = await db.query<{ parent: string; event_id: string }>(
    `SELECT r.relates_to_id AS parent, e.event_id
     ${FROM_RELATIONS}
     WHERE r.relates_to_id = ANY($1::text[]) AND r.rel_type = 'm.reference' AND ${LIVE_CHILD}
       AND NOT (e.sender = ANY($2::text[]))
     ORDER BY r.relates_to_id, e.topological_ordering, e.stream_ordering`,
    [parentIds, ignoredUsers],
  );
  for (const row of rows) {
    let list = out.get(row.parent);
    if (!list) out.set(row.parent, (list = []));
    list.push(row.event_id);
  }
  return out;
}
