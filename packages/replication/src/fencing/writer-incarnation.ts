import type { Logger } from '@lattice/core';
import { connectionApplicationName, probeWriterActivity, type Queryable } from '@lattice/storage';
import type { DurableStreamName } from '../types.js';

const POLL_MS = 200;
const WARN_EVERY_MS = 5000;

/**
 * Fencing only holds if every connection of this process carries its tag
 * (writerApplicationName): readers would otherwise take its open
 * transactions for none. A connection string with its own application_name
 * defeats that, so the worker refuses to start.
 */
export async function verifyWriterTag(db: Queryable, applicationName: string): Promise<void> {
  const actual = await connectionApplicationName(db);
  if (actual !== applicationName) {
    throw new Error(
      `stream writer fencing needs application_name "${applicationName}" on this worker's connections, but PostgreSQL reports ` +
        `"${actual}": remove application_name from the database connection string`,
    );
  }
}

/**
 * A restarted writer's start-up claim (a fresh position) is only a true
 * persisted-up-to position once no transaction of its previous incarnations
 * can still commit below it. A killed process's backends abort and vanish
 * at once; one that is merely cut off may linger, and then this waits (and
 * says so) rather than let readers skip a position that commits later.
 */
export async function awaitPreviousIncarnations(
  db: Queryable,
  stream: DurableStreamName,
  instance: string,
  applicationName: string,
  claim: number,
  logger: Logger,
): Promise<void> {
  let warnedAt = Date.now();
  for (;;) {
    const activity = await probeWriterActivity(db, stream, instance, [applicationName]);
    // Untracked activity: nothing to learn, fall back to the claim alone (as without fencing).
    if (!activity || (activity.openTransactions === 0 && activity.position >= claim)) return;
    if (Date.now() - warnedAt >= WARN_EVERY_MS) {
      warnedAt = Date.now();
      logger.warn({ stream, instance, open: activity.openTransactions }, 'waiting for transactions of a previous incarnation of this writer to end');
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
