/** User-interactive auth sessions, in the database so that any replica can continue one. */
import type { Queryable } from '@lattice/storage';

export interface UiaSessionRecord {
  sessionId: string;
  method: string;
  path: string;
  userId: string | null;
  completed: string[];
  createdTs: number;
  /** The flows the session offered (null for sessions started before they were recorded). */
  flows: string[][] | null;
}

interface UiaSessionRow {
  session_id: string;
  method: string;
  path: string;
  user_id: string | null;
  completed: string[];
  created_ts: string | number;
  flows: string[][] | null;
}

export async function createUiaSession(
  db: Queryable,
  session: { sessionId: string; method: string; path: string; userId: string | null; flows: string[][] },
  now = Date.now(),
): Promise<void> {
  await db.query('INSERT INTO uia_sessions (session_id, method, path, user_id, created_ts, flows) VALUES ($1, $2, $3, $4, $5, $6::jsonb)', [
    session.sessionId,
    session.method,
    session.path,
    session.userId,
    now,
    JSON.stringify(session.flows),
  ]);
}

/** The session, unless it does not exist or was created before `notBefore`. */
export async function getUiaSession(db: Queryable, sessionId: string, notBefore: number): Promise<UiaSessionRecord | undefined> {
  const { rows } = await db.query<UiaSessionRow>(
    'SELECT session_id, method, path, user_id, completed, created_ts, flows FROM uia_sessions WHERE session_id = $1 AND created_ts >= $2',
    [sessionId, notBefore],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    sessionId: row.session_id,
    method: row.method,
    path: row.path,
    userId: row.user_id,
    completed: row.completed,
    createdTs: Number(row.created_ts),
    flows: row.flows,
  };
}

/** Records a completed stage once and returns the completed stages in order. */
export async function addCompletedStage(db: Queryable, sessionId: string, stage: string): Promise<string[]> {
  const { rows } = await db.query<{ completed: string[] }>(
    `UPDATE uia_sessions
     SET completed = CASE WHEN $2 = ANY(completed) THEN completed ELSE array_append(completed, $2::text) END
     WHERE session_id = $1 RETURNING completed`,
    [sessionId, stage],
  );
  return rows[0]?.completed ?? [];
}

export async function deleteUiaSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query('DELETE FROM uia_sessions WHERE session_id = $1', [sessionId]);
}

export async function deleteUiaSessionsBefore(db: Queryable, ts: number): Promise<void> {
  await db.query('DELETE FROM uia_sessions WHERE created_ts < $1', [ts]);
}
