/**
 * The top-level `presence` section of /sync: m.presence events of the user
 * and of every user sharing a joined room with them. An initial sync gets the
 * current presence of those not offline; an incremental sync gets the changes
 * in (since, to] and the presence of users it newly shares a room with. Each
 * /sync also tells the presence writer the user is syncing (set_presence).
 */
import type { Logger } from '@lattice/core';
import type { Queryable } from '@lattice/storage';
import type { SyncContribution, SyncExtension, SyncExtensionRequest, SyncStart } from '@lattice/sync';
import type { PresenceService } from './presence-service.js';
import { presenceEvent } from './presence-state.js';
import { ChangedPresenceCache } from './changed-presence-cache.js';
import { presenceOfCoMembers, presenceOfNewCoMembers, type StoredPresence } from './presence-store.js';

const NOTHING: SyncContribution = { sections: {}, hasUpdates: false };

function uniqueByUser(rows: readonly StoredPresence[]): StoredPresence[] {
  return [...new Map(rows.map((row) => [row.userId, row])).values()];
}

export class PresenceSyncExtension implements SyncExtension {
  readonly name = 'presence';
  private readonly changes: ChangedPresenceCache;

  constructor(
    private readonly db: Queryable,
    private readonly presence: PresenceService,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.changes = new ChangedPresenceCache(db);
  }

  async syncStarted(start: SyncStart): Promise<() => void> {
    try {
      return await this.presence.syncStarted(start.userId, start.deviceId, start.setPresence);
    } catch (err) {
      // Presence is best effort: a failed update must not fail the sync.
      this.logger.warn({ err, userId: start.userId }, 'presence update on sync failed');
      return () => undefined;
    }
  }

  async contribute(request: SyncExtensionRequest): Promise<SyncContribution> {
    if (!this.presence.enabled) return NOTHING;
    const { userId, since, to, filter } = request;
    if (filter.skips.presence) return NOTHING;
    const rooms = [...request.joinedRoomIds];
    const toPosition = to.get('presence').min;
    let rows: StoredPresence[];
    if (since === undefined) {
      rows = await presenceOfCoMembers(this.db, userId, rooms, toPosition);
    } else {
      const fromPosition = since.get('presence').min;
      const fromEvents = since.get('events').min;
      const toEvents = to.get('events').min;
      // Each query only when its stream moved (and, where the worker knows, someone joined the user's rooms).
      const { changes } = request;
      const newCoMembers = toEvents > fromEvents && (!changes || changes.coMembers(rooms));
      const [changed, joined] = await Promise.all([
        toPosition > fromPosition ? this.visibleChanges(userId, request.joinedRoomIds, fromPosition, toPosition) : [],
        newCoMembers ? presenceOfNewCoMembers(this.db, userId, rooms, fromEvents, toEvents, toPosition) : [],
      ]);
      rows = uniqueByUser([...changed, ...joined]);
    }
    const now = this.now();
    const events = rows.map((row) => presenceEvent(row, now)).filter((event) => filter.presence(event));
    return { sections: { presence: { events } }, hasUpdates: events.length > 0 };
  }

  /** Changes in (from, to] of the user and of users sharing a joined room with them. */
  private async visibleChanges(userId: string, joined: ReadonlySet<string>, from: number, to: number): Promise<StoredPresence[]> {
    const changes = await this.changes.between(from, to);
    return changes.filter((change) => change.userId === userId || change.rooms.some((roomId) => joined.has(roomId)));
  }
}
