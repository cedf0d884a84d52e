/**
 * rc_federation (Synapse's federation rate limiter): per origin server,
 * requests counted over the last window_size ms; past sleep_limit each is
 * delayed by sleep_delay, past reject_limit refused with 429, and at most
 * `concurrent` of them run at once (the rest wait their turn). Per process,
 * as in Synapse: the limits bound the work one process takes on for a server.
 */
import { Errors, type RateLimitsConfig } from '@lattice/core';
import type { RequestHandler, Response } from 'express';

type FederationLimits = RateLimitsConfig['rc_federation'];

/** Above this many tracked origins, idle ones are forgotten. */
const PRUNE_THRESHOLD = 10_000;

class OriginQueue {
  /** When the requests of the current window arrived, oldest first. */
  times: number[] = [];
  running = 0;
  readonly waiting: Array<() => void> = [];

  idle(now: number, windowMs: number): boolean {
    return this.running === 0 && this.waiting.length === 0 && this.times.every((t) => now - t >= windowMs);
  }
}

export function federationRateLimit(limits: FederationLimits, clock: () => number = Date.now): RequestHandler {
  const origins = new Map<string, OriginQueue>();

  function queueOf(origin: string, now: number): OriginQueue {
    let queue = origins.get(origin);
    if (!queue) {
      if (origins.size >= PRUNE_THRESHOLD) for (const [o, q] of origins) if (q.idle(now, limits.window_size)) origins.delete(o);
      origins.set(origin, (queue = new OriginQueue()));
    }
    return queue;
  }

  /** Runs `start` once one of the origin's `concurrent` slots is free; the slot is freed when the response ends. */
  function whenSlotFree(queue: OriginQueue, res: Response, start: () => void): void {
    let gone = false;
    res.once('close', () => (gone = true));
    const release = (): void => {
      queue.running--;
      queue.waiting.shift()?.();
    };
    const run = (): void => {
      queue.running++;
      // The caller hung up while waiting: its turn passes straight on.
      if (gone) return release();
      res.once('close', release);
      start();
    };
    if (queue.running < limits.concurrent) run();
    else queue.waiting.push(run);
  }

  return (req, res, next) => {
    const origin = req.federationOrigin;
    if (origin === undefined) return next();
    const now = clock();
    const queue = queueOf(origin, now);
    queue.times = queue.times.filter((t) => now - t < limits.window_size);
    if (limits.reject_limit > 0 && queue.times.length > limits.reject_limit) {
      throw Errors.limitExceeded(Math.ceil(limits.window_size / Math.max(limits.sleep_limit, 1)));
    }
    queue.times.push(now);
    const proceed = (): void => whenSlotFree(queue, res, () => next());
    if (queue.times.length > limits.sleep_limit) setTimeout(proceed, limits.sleep_delay);
    else proceed();
  };
}
