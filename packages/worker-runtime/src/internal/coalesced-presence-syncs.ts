/**
 * A device's back-to-back /syncs on this worker, told to the presence writer
 * as one forwarded sync. Clients long-poll without pause, so forwarding each
 * sync cost two internal calls (and a Redis read) per /sync for a presence
 * that does not change. The first sync of a (user, device, set_presence)
 * starts a forwarded sync; later ones join it; it ends LINGER_MS after the
 * last one ends unless another begins. One older than RENEW_MS is replaced at
 * the device's next sync: the writer counts a forwarded sync as activity when
 * it starts (below the idle timeout) and lets it lapse after its lease.
 */
import { IDLE_TIMEOUT_MS, type PresenceState } from '@lattice/presence';

/** Starts a forwarded sync; resolves with the function that ends it. */
export type StartForwardedSync = (userId: string, deviceId: string, setPresence: PresenceState | undefined) => Promise<() => void>;

/** Synapse's sync workers tell the presence writer of a stopped sync 10 s late, for the same reason. */
export const LINGER_MS = 10_000;
export const RENEW_MS = IDLE_TIMEOUT_MS / 5;

interface Forwarded {
  ended: Promise<() => void>;
  startedAt: number;
  /** Syncs of this worker in it now. */
  active: number;
  linger: NodeJS.Timeout | undefined;
}

export class CoalescedPresenceSyncs {
  private readonly forwarded = new Map<string, Forwarded>();

  constructor(
    private readonly start: StartForwardedSync,
    private readonly now: () => number = Date.now,
  ) {}

  /** A sync begins; call the returned function when it ends. Rejects when the forwarded sync could not start. */
  async begin(userId: string, deviceId: string, setPresence: PresenceState | undefined): Promise<() => void> {
    const key = JSON.stringify([userId, deviceId, setPresence ?? null]);
    let sync = this.forwarded.get(key);
    if (sync && sync.active === 0 && this.now() - sync.startedAt >= RENEW_MS) {
      this.finish(key, sync);
      sync = undefined;
    }
    if (!sync) {
      const started: Forwarded = { ended: this.start(userId, deviceId, setPresence), startedAt: this.now(), active: 0, linger: undefined };
      // A failed start is forgotten at once: the next sync tries again.
      started.ended.catch(() => this.forget(key, started));
      this.forwarded.set(key, (sync = started));
    }
    clearTimeout(sync.linger);
    sync.linger = undefined;
    sync.active++;
    try {
      await sync.ended;
    } catch (err) {
      sync.active--;
      throw err;
    }
    const joined = sync;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--joined.active > 0 || this.forwarded.get(key) !== joined) return;
      joined.linger = setTimeout(() => this.finish(key, joined), LINGER_MS);
      joined.linger.unref();
    };
  }

  /** Ends every forwarded sync now (shutdown). */
  endAll(): void {
    for (const [key, sync] of [...this.forwarded]) this.finish(key, sync);
  }

  /** Forwarded syncs open now. */
  get size(): number {
    return this.forwarded.size;
  }

  private finish(key: string, sync: Forwarded): void {
    this.forget(key, sync);
    clearTimeout(sync.linger);
    sync.ended.then(
      (end) => end(),
      () => undefined,
    );
  }

  private forget(key: string, sync: Forwarded): void {
    if (this.forwarded.get(key) === sync) this.forwarded.delete(key);
  }
}
