/**
 * What PostgreSQL itself knows about a stream writer's transactions: the
 * ground truth that stream-writer fencing relies on (ARCHITECTURE.md §4).
 * A writer process tags every connection with the application_name
 * `lattice/<instance>/<incarnation>` (writerApplicationName), so any process
 * can ask which of a writer's transactions are still open.
 */
import type { Queryable } from './database.js';
import type { StreamName } from './stream-positions.js';

const STREAM_NAME = /^[a-z][a-z0-9_]*$/;
/** PostgreSQL keeps NAMEDATALEN - 1 bytes of application_name and turns non-ASCII into '?'. */
const MAX_APPLICATION_NAME = 63;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
/**
 * Transactions that started up to this long after the sequence was read still
 * count as older than the read: a margin for clocks of different backends.
 * Too large only delays fencing; too small could expose a gap.
 */
const CLOCK_MARGIN = "interval '1 second'";

/** The prefix shared by every incarnation's application_name of `instance`. */
export function writerApplicationPrefix(instance: string): string {
  return `lattice/${instance}/`;
}

/**
 * The application_name of one incarnation (one process lifetime) of a writer,
 * or undefined when PostgreSQL would not keep it intact (too long, non-ASCII):
 * such a writer cannot be fenced by others.
 */
export function writerApplicationName(instance: string, incarnation: string): string | undefined {
  const name = `${writerApplicationPrefix(instance)}${incarnation}`;
  return name.length <= MAX_APPLICATION_NAME && PRINTABLE_ASCII.test(name) ? name : undefined;
}

/** The connection's own application_name (a writer checks that its tag reached PostgreSQL). */
export async function connectionApplicationName(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ name: string }>("SELECT current_setting('application_name') AS name");
  return rows[0]!.name;
}

export interface WriterActivity {
  /** The highest position the stream's sequence had handed out when the probe started. */
  position: number;
  /** Transactions of the writer that may have allocated a position at or below `position` and not ended. */
  openTransactions: number;
  /** Connections of the writer at all (0: every incarnation is gone). */
  backends: number;
}

/**
 * Reads the stream's highest allocated position P, THEN counts the writer's
 * transactions that began before that read (with a clock margin) and are
 * still open. When that count is 0, every position ≤ P the writer allocated
 * belongs to a transaction that has ended (committed or rolled back: a
 * backend leaves pg_stat_activity only after aborting its transaction), and
 * any transaction that begins later draws positions above P from the
 * sequence. So "the writer has persisted everything it will ever write at or
 * below P" is true, whether the writer is dead, idle, or simply silent.
 * `except` names application_names not to count (a writer's own incarnation).
 * Only this database's connections count: pg_stat_activity lists the whole
 * server's, and another deployment on it may name its writers the same.
 * Undefined when PostgreSQL does not track activity (no conclusion possible).
 */
export async function probeWriterActivity(
  db: Queryable,
  stream: StreamName,
  instance: string,
  except: readonly string[] = [],
): Promise<WriterActivity | undefined> {
  if (!STREAM_NAME.test(stream)) throw new Error(`invalid stream name: ${JSON.stringify(stream)}`);
  // Two statements, in this order: the read must happen before the activity check.
  const seq = await db.query<{ last_value: number; is_called: boolean; t0: string }>(
    `SELECT last_value, is_called, clock_timestamp()::text AS t0 FROM stream_${stream}_seq`,
  );
  const { last_value, is_called, t0 } = seq.rows[0]!;
  const { rows } = await db.query<{ open: number; backends: number; tracking: string }>(
    `SELECT count(*) FILTER (WHERE xact_start IS NOT NULL AND xact_start <= $3::timestamptz + ${CLOCK_MARGIN})::int AS open,
            count(*)::int AS backends,
            current_setting('track_activities') AS tracking
       FROM pg_stat_activity
      WHERE datname = current_database() AND starts_with(application_name, $1) AND NOT (application_name = ANY($2::text[]))`,
    [writerApplicationPrefix(instance), [...except], t0],
  );
  const activity = rows[0]!;
  if (activity.tracking !== 'on') return undefined;
  return { position: is_called ? Number(last_value) : 0, openTransactions: activity.open, backends: activity.backends };
}
