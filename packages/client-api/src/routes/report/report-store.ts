/** The content_reports table (migrations/0012): what local users reported, for the server's admins. */
import type { Queryable } from '@lattice/storage';

export type ReportTarget =
  | { kind: 'event'; roomId: string; eventId: string }
  | { kind: 'room'; roomId: string }
  | { kind: 'user'; userId: string };

export interface NewReport {
  reporter: string;
  target: ReportTarget;
  reason: string | undefined;
  /** Legacy event-report score (-100 … 0), kept when a client still sends it. */
  score?: number;
  receivedTs: number;
}

export async function insertReport(db: Queryable, report: NewReport): Promise<void> {
  const { target } = report;
  await db.query(
    `INSERT INTO content_reports (received_ts, reporter, kind, room_id, event_id, target_user_id, reason, score)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      report.receivedTs,
      report.reporter,
      target.kind,
      target.kind === 'user' ? null : target.roomId,
      target.kind === 'event' ? target.eventId : null,
      target.kind === 'user' ? target.userId : null,
      report.reason ?? null,
      report.score ?? null,
    ],
  );
}
