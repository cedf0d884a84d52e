/**
 * The push queue over Redis (BullMQ) for multi-process deployments: any
 * federation-sender replica may send a job, failed jobs are retried with
 * BullMQ's exponential backoff, and a job id per (pusher, event) keeps a push
 * from being queued twice.
 */
import { createHash } from 'node:crypto';
import type { ConnectionOptions, Queue, Worker } from 'bullmq';
import { closeBullMq, loadOnUse, type Logger } from '@lattice/core';
import { DEFAULT_RETRY, type PushJob, type PushJobHandler, type PushQueue, type RetryPolicy } from './push-queue.js';

const bullmq = loadOnUse<typeof import('bullmq')>('bullmq');

export interface BullMqPushQueueOptions {
  /** Redis connection options (host, port, …) or a redis:// URL. */
  connection: ConnectionOptions | string;
  /** Key prefix of the queue in Redis (tests use a unique one). */
  prefix?: string;
  queueName?: string;
  retry?: RetryPolicy;
  /** Jobs one process sends at once. */
  concurrency?: number;
  logger: Logger;
}

function connectionOf(connection: ConnectionOptions | string): ConnectionOptions {
  if (typeof connection !== 'string') return connection;
  const url = new URL(connection);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
  };
}

/** BullMQ job ids may not contain ':' (user and event ids do): hash them. */
function jobId(job: PushJob): string {
  return createHash('sha256').update(`${job.appId}\u0000${job.pushkey}\u0000${job.userId}\u0000${job.eventId}`).digest('base64url');
}

export class BullMqPushQueue implements PushQueue {
  private readonly queue: Queue<PushJob>;
  private worker: Worker<PushJob> | undefined;
  private readonly name: string;
  private readonly connection: ConnectionOptions;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: BullMqPushQueueOptions) {
    this.name = options.queueName ?? 'push';
    this.connection = connectionOf(options.connection);
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.queue = new (bullmq().Queue)<PushJob>(this.name, { connection: this.connection, ...(options.prefix ? { prefix: options.prefix } : {}) });
  }

  async add(jobs: readonly PushJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(
      jobs.map((job) => ({
        name: 'push',
        data: job,
        opts: {
          jobId: jobId(job),
          attempts: this.retry.attempts,
          backoff: { type: 'exponential', delay: this.retry.backoffMs },
          removeOnComplete: true,
          removeOnFail: 1_000,
        },
      })),
    );
  }

  process(handler: PushJobHandler): void {
    if (this.worker) throw new Error('push queue already has a handler');
    this.worker = new (bullmq().Worker)<PushJob>(this.name, (job) => handler(job.data), {
      connection: this.connection,
      ...(this.options.prefix ? { prefix: this.options.prefix } : {}),
      concurrency: this.options.concurrency ?? 16,
    });
    this.worker.on('failed', (job, err) => {
      this.options.logger.warn({ err, attempt: job?.attemptsMade, eventId: job?.data.eventId }, 'push attempt failed');
    });
    this.worker.on('error', (err) => this.options.logger.error({ err }, 'push queue worker error'));
  }

  async close(): Promise<void> {
    await closeBullMq({ worker: this.worker, queue: this.queue }, this.options.logger);
  }

  /** For operators and tests: removes every key of this queue from Redis. */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }
}
