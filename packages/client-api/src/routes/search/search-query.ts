/**
 * The full-text query behind POST /search: matching events of the given rooms
 * and keys (event_search, kept by triggers on events: migrations/0012, which
 * indexes only events that may be served), in rank or recent order, one scan
 * window at a time. The search term is read with websearch_to_tsquery (words,
 * "quoted phrases", OR, -excluded) under the English configuration the index
 * uses, so "wins" finds "winning". History visibility is the caller's, on the
 * rows returned.
 *
 * Bounded work whatever the term: `recent` reads matches newest first and stops
 * at the window; `rank` ranks the newest RANK_CANDIDATES matches (a word found in
 * half the server's messages is not ranked across all of them); `count` is exact
 * up to COUNT_CAP and that cap beyond (the spec allows an estimate).
 */
import type { Queryable } from '@lattice/storage';
import type { SearchKey, SearchOrder } from './search-request.js';

export const RANK_CANDIDATES = 2_000;
export const COUNT_CAP = RANK_CANDIDATES;

export interface SearchScan {
  term: string;
  roomIds: readonly string[];
  keys: readonly SearchKey[];
  senders?: readonly string[];
  notSenders?: readonly string[];
  order: SearchOrder;
  /** recent: only rows below this stream position; rank: skip this many rows. Absent: from the top. */
  after?: number;
  /** Rows to return at most. */
  limit: number;
  /** Also count the matches (the first window of a request). */
  count: boolean;
}

export interface SearchHit {
  eventId: string;
  roomId: string;
  streamOrdering: number;
  rank: number;
}

export interface SearchScanResult {
  hits: SearchHit[];
  /** Matching rows regardless of the window, up to COUNT_CAP (0 when not counted). */
  total: number;
}

interface Row {
  event_id: string | null;
  room_id: string | null;
  stream_ordering: string | number | null;
  rank: number | null;
  total: string | number | null;
}

export async function scanSearch(db: Queryable, scan: SearchScan): Promise<SearchScanResult> {
  const params: unknown[] = [scan.term, scan.roomIds, scan.keys];
  const add = (value: unknown): string => `$${params.push(value)}`;
  // Written out at each use rather than shared through a CTE: the planner then folds it to a constant
  // and sees how many rows the term matches (an index walk newest-first for a frequent word, the GIN
  // index for a rare one).
  const query = "websearch_to_tsquery('english', $1::text)";
  const where = [`s.vector @@ ${query}`, 's.room_id = ANY($2::text[])', 's.key = ANY($3::text[])'];
  if (scan.senders !== undefined) where.push(`s.sender = ANY(${add(scan.senders)}::text[])`);
  if (scan.notSenders !== undefined && scan.notSenders.length > 0) where.push(`NOT s.sender = ANY(${add(scan.notSenders)}::text[])`);
  const matching = `FROM event_search s WHERE ${where.join(' AND ')}`;

  let sql: string;
  if (scan.order === 'recent') {
    const below = scan.after === undefined ? '' : `AND s.stream_ordering < ${add(scan.after)}`;
    const total = scan.count ? `(SELECT count(*) FROM (SELECT 1 ${matching} LIMIT ${add(COUNT_CAP)}) capped)` : 'NULL::bigint';
    sql = `SELECT page.*, ${total} AS total FROM (SELECT 1) one LEFT JOIN LATERAL (
             SELECT s.event_id, s.room_id, s.stream_ordering, ts_rank_cd(s.vector, ${query}) AS rank
             ${matching} ${below} ORDER BY s.stream_ordering DESC LIMIT ${add(scan.limit)}) page ON TRUE`;
  } else {
    // The candidates are read anyway: counting them costs nothing more (COUNT_CAP = RANK_CANDIDATES).
    sql = `WITH candidates AS MATERIALIZED (
             SELECT s.event_id, s.room_id, s.stream_ordering, ts_rank_cd(s.vector, ${query}) AS rank
             FROM (SELECT s.event_id, s.room_id, s.stream_ordering, s.vector ${matching}
                   ORDER BY s.stream_ordering DESC LIMIT ${add(RANK_CANDIDATES)}) s)
           SELECT page.*, ${scan.count ? '(SELECT count(*) FROM candidates)' : 'NULL::bigint'} AS total
           FROM (SELECT 1) one LEFT JOIN LATERAL (
             SELECT * FROM candidates ORDER BY rank DESC, stream_ordering DESC LIMIT ${add(scan.limit)} OFFSET ${add(scan.after ?? 0)}) page ON TRUE`;
  }
  const { rows } = await db.query<Row>(sql, params);
  const hits = rows
    .filter((r) => r.event_id !== null)
    .map((r) => ({ eventId: r.event_id!, roomId: r.room_id!, streamOrdering: Number(r.stream_ordering), rank: Number(r.rank) }));
  return { hits, total: Number(rows[0]?.total ?? 0) };
}

/**
 * The words of the given events that the search term matched, as written there
 * (stemming makes them differ from the term: "winning" for "wins"), for the
 * response's `highlights`. The text is the one indexed (event_search_text, the
 * migration's function); ts_headline marks every match with control characters.
 */
const START_MARK = String.fromCharCode(2);
const STOP_MARK = String.fromCharCode(3);

export async function matchedWords(db: Queryable, term: string, eventIds: readonly string[]): Promise<string[]> {
  if (eventIds.length === 0) return [];
  const { rows } = await db.query<{ h: string | null }>(
    `SELECT ts_headline('english', t.body, websearch_to_tsquery('english', $1),
                        'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', HighlightAll=true') AS h
     FROM events e, LATERAL event_search_text(e.type, e.state_key, e.json) t
     WHERE e.event_id = ANY($2::text[]) AND t.body IS NOT NULL`,
    [term, eventIds],
  );
  const words = new Set<string>();
  for (const { h } of rows) {
    // Each piece after a start marker runs up to its stop marker.
    for (const piece of (h ?? '').split(START_MARK).slice(1)) {
      const word = piece.split(STOP_MARK)[0];
      if (word) words.add(word);
    }
  }
  return [...words];
}
