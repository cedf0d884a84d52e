/**
 * The RetrySchedule of the worker split: each pending call is a delayed
 * BullMQ job in Redis, so it survives a restart of the process that
 * scheduled it. The job id is derived from the key and the time, so
 * scheduling the same retry again (a sender restarting, the same backoff
 * read back from PostgreSQL) adds nothing. A handler that throws is tried
 * again with BullMQ's exponential backoff. One queue per consumer (e.g. per
 * federation-sender instance) keeps each key with the process that owns it.
 */
import type { ConnectionOptions, Job, Queue, Worker } from 'bullmq';
import type { Logger } from '../logging/index.js';
import { closeBullMq } from './bullmq-close.js';
import { loadOnUse } from './load-on-use.js';
import type { DueHandler, RetrySchedule } from './retry-schedule.js';

const bullmq = loadOnUse<typeof import('bullmq')>('bullmq');

export interface BullMqRetryScheduleOptions {
  /** Redis connection options (host, port, password, db). */
  connection: ConnectionOptions;
  /** BullMQ queue name (no ':'): one per consumer. */
  queueName: string;
  /** Key prefix in Redis (tests use a unique one). Default BullMQ's 'bull'. */
  prefix?: string;
  /** Tries of a handler that throws, the first included (default 5), the first retry after backoffMs (default 1 s), doubling. */
  attempts?: number;
  backoffMs?: number;
  logger: Logger;
  clock?: () => number;
}

interface DueJob {
  key: string;
  at: number;
}

/** BullMQ job ids may not contain ':' (server names with a port do): the key goes in base64url. */
function jobId(key: string, at: number): string {
  return `${Buffer.from(key).toString('base64url')}-${at}`;
}

export class BullMqRetrySchedule implements RetrySchedule {
  private readonly queue: Queue<DueJob>;
  private worker: Worker<DueJob> | undefined;
  private readonly clock: () => number;

  constructor(private readonly options: BullMqRetryScheduleOptions) {
    this.clock = options.clock ?? Date.now;
    this.queue = new (bullmq().Queue)<DueJob>(options.queueName, { connection: options.connection, ...this.prefix() });
    this.queue.on('error', (err) => options.logger.warn({ err, queue: options.queueName }, 'retry schedule: redis error'));
  }

  async schedule(key: string, at: number): Promise<void> {
    await this.queue.add('due', { key, at }, {
      jobId: jobId(key, at),
      delay: Math.max(0, at - this.clock()),
      attempts: this.options.attempts ?? 5,
      backoff: { type: 'exponential', delay: this.options.backoffMs ?? 1_000 },
      removeOnComplete: true,
      // A failed job's id would keep the same retry from being scheduled again.
      removeOnFail: true,
    });
  }

  onDue(handler: DueHandler): void {
    if (this.worker) throw new Error('retry schedule already has a handler');
    this.worker = new (bullmq().Worker)<DueJob>(this.options.queueName, async (job: Job<DueJob>) => handler(job.data.key), {
      connection: this.options.connection,
      ...this.prefix(),
    });
    this.worker.on('failed', (job, err) => this.options.logger.warn({ err, key: job?.data.key, attempt: job?.attemptsMade }, 'retry schedule: handler failed'));
    this.worker.on('error', (err) => this.options.logger.error({ err, queue: this.options.queueName }, 'retry schedule: worker error'));
  }

  async close(): Promise<void> {
    await closeBullMq({ worker: this.worker, queue: this.queue }, this.options.logger);
  }

  /** The calls not yet handled: waiting for their time, or due and waiting for the handler (operators, tests). */
  async pending(): Promise<DueJob[]> {
    return (await this.queue.getJobs(['delayed', 'wait', 'prioritized'])).map((job) => job.data);
  }

  /** Removes every key of this queue from Redis (operators, tests). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }

  private prefix(): { prefix?: string } {
    return this.options.prefix === undefined ? {} : { prefix: this.options.prefix };
  }
}

/** The Redis key prefix of a homeserver's BullMQ queues: servers sharing a Redis keep their queues apart. */
export function bullmqPrefix(serverName: string): string {
  return `lattice:${serverName}:bull`;
}
