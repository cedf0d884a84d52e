/**
 * A server that sent us an authenticated request is up: if the sender is
 * backing off from it, it retries it now, as Synapse resets a destination's
 * retry timings when it hears from it. Every authenticated request passes
 * here, so the check is cheap: the destinations backing off
 * (federation_destinations) are read at most once per refresh interval, and
 * only while requests arrive; a request from one of them wakes it once (the
 * set forgets it, and a wake is not repeated within the interval).
 */
import type { Logger } from '@lattice/core';
import type { Queryable } from '@lattice/storage';

export interface BackingOffOriginsOptions {
  /** How long the set of backing-off destinations is used before it is read again (default 5 s). */
  refreshMs?: number;
  clock?: () => number;
}

export class BackingOffOrigins {
  private backingOff = new Set<string>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;
  /** Destinations woken → when: a set read before the wake took effect must not wake them again at once. */
  private readonly woken = new Map<string, number>();
  private readonly refreshMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly db: Queryable,
    /** Ends the destination's backoff and has its owner retry it (the sender's wake, or a call to it). */
    private readonly wake: (destination: string) => Promise<void>,
    private readonly logger: Logger,
    options: BackingOffOriginsOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 5_000;
    this.clock = options.clock ?? Date.now;
  }

  /** `origin` just authenticated a request to us. Never throws, never delays the request. */
  heardFrom(origin: string): void {
    if (this.loading === undefined && this.clock() - this.loadedAt >= this.refreshMs) {
      this.loading = this.load().finally(() => (this.loading = undefined));
    }
    if (this.loading === undefined) this.check(origin);
    else void this.loading.then(() => this.check(origin));
  }

  private check(origin: string): void {
    if (!this.backingOff.delete(origin)) return;
    this.woken.set(origin, this.clock());
    this.wake(origin).catch((err: unknown) => this.logger.warn({ err, destination: origin }, 'federation: waking a backing-off destination failed'));
  }

  private async load(): Promise<void> {
    const now = this.clock();
    // Even when the read fails: the next read waits out the interval rather than follow every request.
    this.loadedAt = now;
    try {
      const { rows } = await this.db.query<{ destination: string }>('SELECT destination FROM federation_destinations WHERE retry_interval_ms > 0');
      for (const [destination, at] of this.woken) if (now - at >= this.refreshMs) this.woken.delete(destination);
      this.backingOff = new Set(rows.map((r) => r.destination).filter((d) => !this.woken.has(d)));
    } catch (err) {
      this.logger.warn({ err }, 'federation: reading the backing-off destinations failed');
    }
  }
}
