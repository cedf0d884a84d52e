/**
 * Stored previews (migrations/0009_url_previews.sql). A request's `ts` picks
 * the version fetched closest before it, else the first one after it (the spec
 * lets the server answer with a newer version); expired versions are never served.
 */
import type { Queryable } from '@lattice/storage';
import type { OpenGraph } from './opengraph.js';

export async function findCachedPreview(db: Queryable, url: string, ts: number, now: number): Promise<OpenGraph | undefined> {
  const { rows } = await db.query<{ response: string }>(
    `(SELECT response, 0 AS rank FROM url_previews
       WHERE url = $1 AND fetched_ts <= $2 AND expires_ts > $3 ORDER BY fetched_ts DESC LIMIT 1)
     UNION ALL
     (SELECT response, 1 AS rank FROM url_previews
       WHERE url = $1 AND fetched_ts > $2 AND expires_ts > $3 ORDER BY fetched_ts ASC LIMIT 1)
     ORDER BY rank LIMIT 1`,
    [url, ts, now],
  );
  return rows[0] ? (JSON.parse(rows[0].response) as OpenGraph) : undefined;
}

export async function storePreview(db: Queryable, url: string, og: OpenGraph, fetchedTs: number, expiresTs: number): Promise<void> {
  await db.query('DELETE FROM url_previews WHERE url = $1 AND expires_ts <= $2', [url, fetchedTs]);
  await db.query(
    `INSERT INTO url_previews (url, fetched_ts, expires_ts, response) VALUES ($1, $2, $3, $4)
     ON CONFLICT (url, fetched_ts) DO NOTHING`,
    [url, fetchedTs, expiresTs, JSON.stringify(og)],
  );
}
