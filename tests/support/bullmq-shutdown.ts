/**
 * The shutdown of a BullMQ-backed queue (closeBullMq) when Redis is gone, on a
 * Redis of the test's own: what a process shutting down hung on. Each scenario
 * answers with the grace warnings the close logged: none when the queue was
 * closed by force rather than given up on.
 */
import pino, { type Logger } from 'pino';
import { startPrivateRedis } from './private-redis.js';
import { eventually } from './wait.js';

/** A queue under test, on the Redis at `port`, logging to `logger`. */
export interface ClosableQueue {
  /** Starts the worker: every job runs `handler`. */
  process(handler: () => Promise<void>): void;
  /** Adds a job due now. */
  enqueue(): Promise<void>;
  close(): Promise<void>;
}

interface Recording {
  logger: Logger;
  warnings: unknown[];
  errors: unknown[];
}

function recordingLogger(): Recording {
  const warnings: unknown[] = [];
  const errors: unknown[] = [];
  const logger = pino({ level: 'silent' });
  const recording = { ...logger, warn: (obj: unknown) => void warnings.push(obj), error: (obj: unknown) => void errors.push(obj) } as unknown as Logger;
  return { logger: recording, warnings, errors };
}

const graceWarnings = (warnings: unknown[]): unknown[] => warnings.filter((w) => (w as { graceMs?: number }).graceMs !== undefined);

/** Redis dies after a job; the close comes once the worker has found it gone and is reconnecting. */
export async function graceWarningsClosingWhileReconnecting(open: (port: number, logger: Logger) => ClosableQueue): Promise<unknown[]> {
  const redis = await startPrivateRedis();
  const { logger, warnings, errors } = recordingLogger();
  const queue = open(redis.port, logger);
  try {
    let ran = 0;
    queue.process(async () => void ran++);
    await queue.enqueue();
    await eventually('the job', () => ran === 1);
    await redis.kill();
    await eventually('the worker noticing', () => errors.length > 0);
    await queue.close();
    return graceWarnings(warnings);
  } finally {
    await redis.kill();
  }
}

/**
 * Redis dies while a job runs, and the close comes before any connection has
 * seen it (they read 'ready'); the job then ends, and recording that it did can
 * never be answered.
 */
export async function graceWarningsClosingWithJobInFlight(open: (port: number, logger: Logger) => ClosableQueue): Promise<unknown[]> {
  const redis = await startPrivateRedis();
  const { logger, warnings } = recordingLogger();
  const queue = open(redis.port, logger);
  try {
    let started = false;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    queue.process(async () => {
      started = true;
      await finished;
    });
    await queue.enqueue();
    await eventually('the job running', () => started);
    redis.killBeforeClientsNotice();
    const closing = queue.close();
    finish();
    await closing;
    return graceWarnings(warnings);
  } finally {
    await redis.kill();
  }
}
