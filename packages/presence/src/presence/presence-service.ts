/**
 * The presence writer: the one instance that writes the presence stream keeps
 * every user who is not offline in memory with their timers, serialises each
 * user's changes, and writes (and fans out) only the changes other users must
 * see (presence-rules.ts). A syncing client costs a map lookup per /sync.
 *
 * Fan-out: a written change is one table row; the stream update carries one
 * routing row per room the user is joined to, so the Notifier wakes exactly
 * the long-polls of users in those rooms (O(rooms of the user), not
 * O(co-members)); the syncs it wakes share one read of the change
 * (ChangedPresenceCache) and check its rooms against their own in memory. On
 * an instance that does not write the presence stream (a worker of the split)
 * the service only reads: changes must go to the writer.
 */
import { MatrixError, serverNameOf, type Logger } from '@lattice/core';
import { afterStreamWrite, type ClientApiContext } from '@lattice/client-api';
import type { UserScopedRow } from '@lattice/replication';
import { KeyedQueue } from '@lattice/rooms';
import { DeviceSyncs } from './device-syncs.js';
import type { PresenceOutbound } from './presence-outbound.js';
import type { PresenceWriterLink } from './presence-writer-link.js';
import { applyActivity, applySetPresence, applySyncEnd, applySyncStart, applyTimeouts, shouldNotify } from './presence-rules.js';
import { offlinePresence, type PresenceState, type UserPresence } from './presence-state.js';
import { loadNotOffline, loadPresence, writePresence } from './presence-store.js';

/** Synapse checks its presence timers every 5 s. */
const DEFAULT_SWEEP_INTERVAL_MS = 5_000;

export interface PresenceServiceOptions {
  /** The operator switch (`presence.enabled`): off, nothing is tracked, written or sent. */
  enabled: boolean;
  /** Milliseconds since the epoch; injectable so tests drive the timers. */
  now?: () => number;
  outbound?: PresenceOutbound;
  sweepIntervalMs?: number;
  /** The worker split: which users this writer owns, and how changes of the others reach their owner. */
  link?: PresenceWriterLink;
}

export class PresenceService {
  readonly enabled: boolean;
  /** This instance writes the presence stream. */
  readonly writes: boolean;
  private readonly now: () => number;
  private readonly logger: Logger;
  /** The writer's view of users not offline (and of users it just changed): the latest last-active times live here. */
  private readonly known = new Map<string, UserPresence>();
  /** Devices syncing (or recently) per user, on this instance. */
  private readonly devices = new DeviceSyncs();
  private readonly queue = new KeyedQueue();
  private timer: NodeJS.Timeout | undefined;
  private unhook: (() => void) | undefined;

  constructor(
    private readonly ctx: ClientApiContext,
    private readonly options: PresenceServiceOptions,
  ) {
    this.enabled = options.enabled;
    this.writes = ctx.rooms.hub.writes('presence');
    this.now = options.now ?? Date.now;
    this.logger = ctx.logger.child({ module: 'presence' });
  }

  /** Loads the users not offline (their timers resume) and starts checking timers. */
  async start(): Promise<void> {
    if (!this.enabled || !this.writes) return;
    for (const presence of await loadNotOffline(this.ctx.db)) {
      // Remote users' rows (m.presence EDUs) run on their own server's timers, not ours.
      if (serverNameOf(presence.userId) !== this.ctx.config.server_name || !this.owns(presence.userId)) continue;
      if (!this.known.has(presence.userId)) this.known.set(presence.userId, presence);
    }
    const interval = this.options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.logger.warn({ err }, 'presence timeout sweep failed'));
    }, interval);
    this.timer.unref();
    // Sending an event is activity. The events stream names every sender, on whichever instance
    // persisted it; the handler only schedules the update (it runs before positions advance).
    this.unhook = this.ctx.rooms.hub.onUpdate('events', (update) => {
      const senders = new Set(update.rows.filter((row) => !row.hidden).map((row) => row.sender));
      for (const sender of senders) {
        if (serverNameOf(sender) !== this.ctx.config.server_name) continue;
        this.userActive(sender).catch((err: unknown) => this.logger.warn({ err, userId: sender }, 'presence activity update failed'));
      }
    });
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unhook?.();
    this.unhook = undefined;
  }

  /** The user did something (sent an event): bumps last active, brings an idle user back online. */
  async userActive(userId: string): Promise<void> {
    if (!this.enabled || !this.owns(userId)) return;
    await this.queue.run(userId, async () => {
      const prev = await this.get(userId);
      await this.commit(prev, applyActivity(prev, this.now()));
    });
  }

  /** Syncs of the user in progress on this instance. */
  syncsInProgress(userId: string): number {
    return this.devices.inProgress(userId);
  }

  /** The user's presence: the writer's memory first (exact last-active time), else the table, else offline. */
  async get(userId: string): Promise<UserPresence> {
    const known = this.known.get(userId);
    if (known) return known;
    return (await loadPresence(this.ctx.db, userId)) ?? offlinePresence(userId);
  }

  /** PUT /presence/{userId}/status. Returns once this worker has seen the change. */
  async set(userId: string, state: PresenceState, statusMsg: string | null): Promise<void> {
    if (!this.enabled) return; // accepted and ignored, as Synapse does with presence off
    if (!this.owns(userId) && this.options.link) return this.options.link.set(userId, state, statusMsg);
    this.assertWriter();
    const position = await this.queue.run(userId, async () => {
      const prev = await this.get(userId);
      return this.commit(prev, applySetPresence(prev, state, statusMsg, this.now()));
    });
    if (position !== undefined) await this.afterWrite(userId, position);
  }

  /**
   * A /sync of the user's device begins; call the returned function when it
   * ends (answered or abandoned). A change it causes (coming online) is
   * visible to this worker before this resolves, so the sync itself carries it.
   */
  async syncStarted(userId: string, deviceId: string, setPresence: PresenceState | undefined): Promise<() => void> {
    if (!this.enabled || setPresence === 'offline') return () => undefined;
    if (!this.owns(userId)) return this.options.link ? this.options.link.syncStarted(userId, deviceId, setPresence) : () => undefined;
    this.devices.begin(userId, deviceId, setPresence ?? 'online', this.now());
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      this.devices.end(userId, deviceId, this.now());
      // Memory only (the last sync time is no change for other users); the timers start from it.
      void this.queue
        .run(userId, async () => {
          const prev = await this.get(userId);
          await this.commit(prev, applySyncEnd(prev, this.now()));
        })
        .catch((err: unknown) => this.logger.warn({ err, userId }, 'presence update after sync failed'));
    };
    try {
      const position = await this.queue.run(userId, async () => {
        const prev = await this.get(userId);
        const now = this.now();
        return this.commit(prev, applySyncStart(prev, this.devices.requested(userId, now), now));
      });
      if (position !== undefined) await this.afterWrite(userId, position);
    } catch (err) {
      end();
      throw err;
    }
    return end;
  }

  /**
   * Applies the timers to every user not offline; returns how many changed.
   * Runs every few seconds; tests call it with a moved clock.
   */
  async sweep(): Promise<number> {
    if (!this.enabled || !this.writes) return 0;
    const due = [...this.known.values()].filter((p) => this.timedOut(p) !== p || (p.state === 'offline' && !this.syncsInProgress(p.userId)));
    let changed = 0;
    for (const candidate of due) {
      await this.queue.run(candidate.userId, async () => {
        const prev = this.known.get(candidate.userId);
        if (!prev) return;
        const next = this.timedOut(prev);
        if (next !== prev) {
          await this.commit(prev, next);
          changed++;
        }
        this.devices.prune(candidate.userId, this.now());
        // Offline users have no timers: forget them (the table has their state).
        if (next.state === 'offline' && !this.syncsInProgress(next.userId)) this.known.delete(next.userId);
      });
    }
    return changed;
  }

  private timedOut(presence: UserPresence): UserPresence {
    return applyTimeouts(presence, this.now(), this.syncsInProgress(presence.userId) > 0);
  }

  /** Keeps `next` as the user's state; writes and announces it when other users must see the change. */
  private async commit(prev: UserPresence, next: UserPresence): Promise<number | undefined> {
    if (!shouldNotify(prev, next)) {
      this.known.set(next.userId, next);
      return undefined;
    }
    const rooms = await this.ctx.rooms.store.roomsForUser(next.userId, ['join']);
    const position = await this.ctx.rooms.hub.writer('presence').write(this.ctx.db, async (tx, streamId) => {
      await writePresence(tx, next, streamId);
      const rows: UserScopedRow[] = [{ user_id: next.userId }];
      for (const room of rooms) rows.push({ user_id: next.userId, room_id: room.roomId });
      return rows;
    });
    this.known.set(next.userId, next);
    this.options.outbound?.presenceChanged([next]);
    return position;
  }

  private async afterWrite(userId: string, position: number): Promise<void> {
    await afterStreamWrite(this.ctx.rooms, userId, 'presence', position);
  }

  /** This instance keeps `userId`'s presence (writes the stream, and is the user's owner among its writers). */
  private owns(userId: string): boolean {
    return this.writes && (this.options.link?.owns(userId) ?? true);
  }

  private assertWriter(): void {
    if (!this.writes) throw new MatrixError(503, 'M_UNKNOWN', 'Presence is written by another instance of this server');
  }
}
