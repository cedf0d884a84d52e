/**
 * Closing a BullMQ worker gracefully waits on Redis: its connections QUIT and
 * its blocking pop must end. With Redis unreachable that never happens, so a
 * process shutting down hung until it was killed, skipping the rest of its
 * shutdown (database pool, other queues). When Redis does not answer the
 * worker is closed by force instead: its connections are dropped, and a job
 * left running stays in Redis, where BullMQ's stalled-job check hands it to a
 * worker again (nothing acknowledged is lost). Whatever else waits on Redis is
 * bounded by BULLMQ_CLOSE_GRACE_MS.
 */
import type { Queue, RedisClient, Worker } from 'bullmq';
import type { Logger } from '../logging/index.js';

/** Long enough for a job in flight to finish, well inside a worker's 10 s shutdown bound. */
export const BULLMQ_CLOSE_GRACE_MS = 5_000;
/** How long a reachable Redis takes to accept a connection and answer its ready check, with room for a loaded machine. */
const PROBE_TIMEOUT_MS = 1_000;

export async function closeBullMq(parts: { worker: Worker | undefined; queue: Queue }, logger: Pick<Logger, 'warn'>): Promise<void> {
  const close = async () => {
    const redisUp = await answers(await parts.queue.client);
    await parts.worker?.close(!redisUp);
    await parts.queue.close();
  };
  if ((await orAfter(close(), BULLMQ_CLOSE_GRACE_MS, 'gave up')) === 'gave up') {
    logger.warn({ queue: parts.queue.name, graceMs: BULLMQ_CLOSE_GRACE_MS }, 'queue did not close in time (is Redis reachable?); shutting down without it');
  }
}

/**
 * Whether Redis answers now. A client's status alone does not say: a client
 * whose server just died reads 'ready' until the event loop gets to the closed
 * socket (seen on a loaded machine, where the worker's graceful close then
 * waited out the grace period). A fresh connection of the client's settings
 * asks instead (it is ready once Redis has answered its INFO ready check); it
 * never queues or retries, so it cannot hang.
 */
async function answers(client: RedisClient): Promise<boolean> {
  if (client.status !== 'ready') return false;
  if (client.isCluster) return true; // (Lattice configures no Redis Cluster: its status is all there is to go on)
  const probe = client.duplicate({ lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    return await orAfter(probe.connect().then(() => true, () => false), PROBE_TIMEOUT_MS, false);
  } finally {
    probe.disconnect();
  }
}

/** `work`'s outcome, or `fallback` once `ms` have passed without one. */
async function orAfter<T, F>(work: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => {
    timer = setTimeout(resolve, ms, fallback);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
