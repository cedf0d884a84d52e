/**
 * User directory search (users.yaml): the users a searcher may discover are
 * the joined members of the rooms the searcher is joined to, and of rooms with
 * a public join rule or world-readable history (the spec's minimum, and
 * Synapse's default `search_all_users: false`). Local users show their global
 * profile, remote users the profile of their latest member event.
 *
 * Matching: every word of the search term must start a word of the user id or
 * display name, case-insensitively ("ali" finds @alice:… and "Alice Smith",
 * "smi" finds "Alice Smith", "example" finds @bob:example.org). Ranked by how
 * well the whole term matches, then sharing a room, then having a profile.
 *
 * Read from current state on each search (no directory table: keeping one in
 * step needs a hook in the event persister). Costs grow with the members of
 * the visible rooms; the room_settings index (0005) finds public rooms without
 * walking member rows.
 */
import type { Queryable } from '@lattice/storage';

export interface UserDirectoryResult {
  user_id: string;
  display_name?: string;
  avatar_url?: string;
}

export interface UserDirectoryPage {
  results: UserDirectoryResult[];
  limited: boolean;
}

/** Lower-cased words of letters and digits; punctuation (`@`, `:`, `.`) separates them. */
export function searchWords(term: string): string[] {
  return term
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

const SEARCH_SQL = `
  WITH my_rooms AS (
    SELECT room_id FROM local_current_membership WHERE user_id = $1 AND membership = 'join'
  ),
  -- ARRAY() is evaluated once, so events is read by primary key only: a join
  -- would let the planner scan (and JSON-parse) every event of the server.
  open_rooms AS (
    SELECT e.room_id FROM events e
    WHERE e.event_id = ANY(ARRAY(
        SELECT event_id FROM current_state_events
        WHERE state_key = '' AND type IN ('m.room.join_rules', 'm.room.history_visibility')))
      AND CASE e.type
            WHEN 'm.room.join_rules' THEN event_jsonb(e.json) -> 'content' ->> 'join_rule' = 'public'
            ELSE event_jsonb(e.json) -> 'content' ->> 'history_visibility' = 'world_readable'
          END
  ),
  visible_rooms AS (
    SELECT room_id, bool_or(shared) AS shared
    FROM (SELECT room_id, TRUE AS shared FROM my_rooms UNION ALL SELECT room_id, FALSE FROM open_rooms) r
    GROUP BY room_id
  ),
  members AS (
    SELECT DISTINCT ON (c.state_key) c.state_key AS user_id, m.display_name, m.avatar_url,
      bool_or(v.shared) OVER (PARTITION BY c.state_key) AS shared
    FROM visible_rooms v
    JOIN current_state_events c ON c.room_id = v.room_id AND c.type = 'm.room.member' AND c.membership = 'join'
    JOIN room_memberships m ON m.event_id = c.event_id
    ORDER BY c.state_key, m.stream_ordering DESC
  ),
  profiled AS (
    SELECT mb.user_id, mb.shared,
      CASE WHEN u.user_id IS NULL THEN mb.display_name ELSE p.displayname END AS display_name,
      CASE WHEN u.user_id IS NULL THEN mb.avatar_url ELSE p.avatar_url END AS avatar_url
    FROM members mb
    LEFT JOIN users u ON u.user_id = mb.user_id
    LEFT JOIN profiles p ON p.user_id = mb.user_id
    WHERE u.user_id IS NULL OR (NOT u.deactivated AND u.user_type IS DISTINCT FROM 'support')
  ),
  matched AS (
    SELECT *, lower(substr(user_id, 2, strpos(user_id, ':') - 2)) AS localpart, lower(display_name) AS name
    FROM profiled
    WHERE NOT EXISTS (
      SELECT 1 FROM unnest($2::text[]) AS w (word)
      WHERE NOT lower(user_id || ' ' || coalesce(display_name, '')) ~ ('(^|[^[:alnum:]])' || w.word))
  )
  SELECT user_id, display_name, avatar_url FROM matched
  ORDER BY
    CASE WHEN localpart = $3 OR name = $3 THEN 3
         WHEN starts_with(localpart, $3) OR starts_with(name, $3) THEN 2
         ELSE 1 END DESC,
    shared DESC, display_name IS NULL, avatar_url IS NULL, user_id
  LIMIT $4`;

export async function searchUserDirectory(db: Queryable, searcher: string, term: string, limit: number): Promise<UserDirectoryPage> {
  const words = searchWords(term);
  if (words.length === 0) return { results: [], limited: false };
  const { rows } = await db.query<{ user_id: string; display_name: string | null; avatar_url: string | null }>(SEARCH_SQL, [
    searcher,
    words,
    term.trim().toLowerCase(),
    limit + 1,
  ]);
  const limited = rows.length > limit;
  return {
    limited,
    results: rows.slice(0, limit).map((row) => {
      const result: UserDirectoryResult = { user_id: row.user_id };
      if (row.display_name !== null) result.display_name = row.display_name;
      if (row.avatar_url !== null) result.avatar_url = row.avatar_url;
      return result;
    }),
  };
}
