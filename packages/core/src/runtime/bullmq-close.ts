/**
 * Closing a BullMQ worker gracefully waits on Redis: its connections QUIT and
 * its blocking pop must end. With Redis unreachable that never happens, so a
 * process shutting down hung until it was killed, skipping the rest of its
 * shutdown (database pool, other queues). When Redis is not connected the
 * worker is closed by force instead: its connections are dropped, and a job
 * left running stays in Redis, where BullMQ's stalled-job check hands it to a
 * worker again (nothing acknowledged is lost). Whatever else waits on Redis is
 * bounded by BULLMQ_CLOSE_GRACE_MS.
 */
import type { Queue, Worker } from 'bullmq';
import type { Logger } from '../logging/index.js';

/** Long enough for a job in flight to finish, well inside a worker's 10 s shutdown bound. */
export const BULLMQ_CLOSE_GRACE_MS = 5_000;

export async function closeBullMq(parts: { worker: Worker | undefined; queue: Queue }, logger: Pick<Logger, 'warn'>): Promise<void> {
  const close = async () => {
    const redisUp = (await parts.queue.client).status === 'ready';
    await parts.worker?.close(!redisUp);
    await parts.queue.close();
  };
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'gave up'>((resolve) => {
    timer = setTimeout(resolve, BULLMQ_CLOSE_GRACE_MS, 'gave up');
  });
  try {
    if ((await Promise.race([close(), gaveUp])) === 'gave up') {
      logger.warn({ queue: parts.queue.name, graceMs: BULLMQ_CLOSE_GRACE_MS }, 'queue did not close in time (is Redis reachable?); shutting down without it');
    }
  } finally {
    clearTimeout(timer);
  }
}
