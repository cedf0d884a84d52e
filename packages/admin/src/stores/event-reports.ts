/** Event reports (content_reports rows of kind 'event', migrations/0012) as the admin API reads them. */
import type { Queryable } from '@lattice/storage';
import { likeContaining } from './like-pattern.js';

export interface EventReportRow {
  id: number;
  receivedTs: number;
  reporter: string;
  roomId: string;
  eventId: string;
  reason: string | null;
  score: number | null;
}

export interface EventReportFilter {
  /** Reporter ids containing this. */
  userId?: string;
  /** Room ids containing this. */
  roomId?: string;
  /** Senders of the reported event containing this. */
  eventSender?: string;
}

interface Row {
  id: string | number;
  received_ts: string | number;
  reporter: string;
  room_id: string;
  event_id: string;
  reason: string | null;
  score: number | null;
}

const COLUMNS = 'id, received_ts, reporter, room_id, event_id, reason, score';

function toReport(r: Row): EventReportRow {
  return {
    id: Number(r.id),
    receivedTs: Number(r.received_ts),
    reporter: r.reporter,
    roomId: r.room_id,
    eventId: r.event_id,
    reason: r.reason,
    score: r.score,
  };
}

export async function listEventReports(
  db: Queryable,
  filter: EventReportFilter,
  page: { from: number; limit: number; backwards: boolean },
): Promise<{ reports: EventReportRow[]; total: number }> {
  const params: unknown[] = [];
  const conditions = ["kind = 'event'"];
  if (filter.userId !== undefined) conditions.push(`reporter LIKE $${params.push(likeContaining(filter.userId))}`);
  if (filter.roomId !== undefined) conditions.push(`room_id LIKE $${params.push(likeContaining(filter.roomId))}`);
  if (filter.eventSender !== undefined) {
    conditions.push(`event_id IN (SELECT event_id FROM events WHERE sender LIKE $${params.push(likeContaining(filter.eventSender))})`);
  }
  const where = conditions.join(' AND ');
  const { rows: counted } = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM content_reports WHERE ${where}`, params);
  const order = page.backwards ? 'DESC' : 'ASC';
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM content_reports WHERE ${where}
      ORDER BY received_ts ${order}, id ${order} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.from],
  );
  return { reports: rows.map(toReport), total: Number(counted[0]?.n ?? 0) };
}

export async function findEventReport(db: Queryable, id: number): Promise<EventReportRow | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM content_reports WHERE id = $1 AND kind = 'event'`, [id]);
  return rows[0] && toReport(rows[0]);
}

/** False when there was no such report. */
export async function deleteEventReport(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query("DELETE FROM content_reports WHERE id = $1 AND kind = 'event'", [id]);
  return rowCount > 0;
}
