/**
 * m.presence over federation (server-server-api.md "Presence"). Nothing is
 * sent or accepted while `presence.enabled` is false.
 *
 * Outbound: the presence writer hands each change it writes to
 * FederationPresenceOutbound (the PresenceOutbound seam of @lattice/presence);
 * where the sender runs in another process than the writer (worker split) it
 * follows the presence stream instead (follow()). Each local user's change
 * goes to the servers sharing a room with them, keyed per user so a server
 * that is down only ever has the user's latest presence waiting.
 *
 * Inbound: updates of the origin's own users are stored like local presence,
 * and /sync shows them only to the local users sharing a room with them (that
 * is decided when /sync reads them). Whether the user shares a room with a
 * local user is not checked on arrival: the presence a server sends when one
 * of our users joins its room arrives while our side of the join may still be
 * being persisted, and would be lost (Synapse does not check either).
 */
import { serverNameOf } from '@lattice/core';
import type { ClientApiContext } from '@lattice/client-api';
import {
  isPresenceState,
  loadPresence,
  presenceOfCoMembers,
  storeRemotePresence,
  type PresenceOutbound,
  type UserPresence,
} from '@lattice/presence';
import { KeyedQueue } from '@lattice/rooms';
import type { EduHandler } from '../inbound/edu-dispatcher.js';
import { isLocalUser, otherServersInRoom, serversSharingRoomWith, type EduQueue } from './edu-scope.js';

export const PRESENCE_EDU = 'm.presence';

/** One entry of an m.presence EDU's `push` list. */
export function presencePush(presence: UserPresence, now: number): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    user_id: presence.userId,
    presence: presence.state,
    last_active_ago: Math.max(0, now - presence.lastActiveTs),
    currently_active: presence.state === 'online' && presence.currentlyActive,
  };
  if (presence.statusMsg !== null) entry.status_msg = presence.statusMsg;
  return entry;
}

export function presenceEduHandler(ctx: ClientApiContext, clock: () => number = Date.now): EduHandler {
  return async (origin, content) => {
    if (!ctx.config.presence.enabled || !Array.isArray(content.push)) return;
    for (const entry of content.push as unknown[]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const { user_id: userId, presence, last_active_ago: ago, currently_active: active, status_msg: msg } = entry as Record<string, unknown>;
      if (typeof userId !== 'string' || serverNameOf(userId) !== origin || !isPresenceState(presence)) continue;
      if (typeof ago !== 'number' || !Number.isSafeInteger(ago) || ago < 0) continue;
      if (msg !== undefined && msg !== null && typeof msg !== 'string') continue;
      const now = clock();
      await storeRemotePresence(ctx, {
        userId,
        state: presence,
        statusMsg: typeof msg === 'string' ? msg : null,
        lastActiveTs: now - ago,
        lastUserSyncTs: now,
        currentlyActive: active === true,
      });
    }
  };
}

export class FederationPresenceOutbound implements PresenceOutbound {
  /** A user's changes are queued in order, so the latest is the one left waiting. */
  private readonly order = new KeyedQueue();

  constructor(
    private readonly ctx: ClientApiContext,
    private readonly queue: EduQueue,
    private readonly clock: () => number = Date.now,
  ) {}

  presenceChanged(states: readonly UserPresence[]): void {
    if (!this.ctx.config.presence.enabled) return;
    for (const presence of states) {
      if (!isLocalUser(this.ctx, presence.userId)) continue;
      void this.order
        .run(presence.userId, () => this.send(presence))
        .catch((err: unknown) => this.ctx.logger.warn({ err, userId: presence.userId }, 'federation: queueing m.presence failed'));
    }
  }

  /**
   * Sends the changes of the presence stream, written by whichever instance
   * (the worker split's sender is not the presence writer). Returns the unsubscribe.
   */
  follow(): () => void {
    return this.ctx.rooms.hub.onUpdate('presence', (update) => {
      // One row per change names the user alone; the others route it to their rooms.
      const users = update.rows.filter((row) => row.room_id === undefined && isLocalUser(this.ctx, row.user_id)).map((row) => row.user_id);
      for (const userId of users) {
        loadPresence(this.ctx.db, userId)
          .then((presence) => presence && this.presenceChanged([presence]))
          .catch((err: unknown) => this.ctx.logger.warn({ err, userId }, 'federation: reading presence to send failed'));
      }
    });
  }

  /**
   * A server that starts sharing a room with local users learns their current
   * presence (otherwise it would only hear of their next change): a remote
   * user's join sends the room's local members' presence to that user's
   * server; a local user's join sends theirs to the room's other servers.
   * Returns the unsubscribe.
   */
  followJoins(): () => void {
    return this.ctx.rooms.hub.onUpdate('events', (update) => {
      if (!this.ctx.config.presence.enabled) return;
      for (const row of update.rows) {
        if (row.type !== 'm.room.member' || row.membership !== 'join' || row.hidden || row.state_key === null) continue;
        const { room_id: roomId, state_key: joiner } = row;
        void this.order
          .run(`join ${roomId}`, () => this.sendOnJoin(roomId, joiner))
          .catch((err: unknown) => this.ctx.logger.warn({ err, roomId }, 'federation: queueing m.presence after a join failed'));
      }
    });
  }

  private async sendOnJoin(roomId: string, joiner: string): Promise<void> {
    const self = this.ctx.config.server_name;
    const local = isLocalUser(this.ctx, joiner);
    const servers = local ? await otherServersInRoom(this.ctx.db, roomId, self) : [serverNameOf(joiner)!];
    if (servers.length === 0) return;
    // Offline users are left out: offline is what a server assumes of a user it has heard nothing of.
    const members: UserPresence[] = local
      ? [await loadPresence(this.ctx.db, joiner)].filter((p): p is NonNullable<typeof p> => p !== undefined && p.state !== 'offline')
      : (await presenceOfCoMembers(this.ctx.db, joiner, [roomId], Number.MAX_SAFE_INTEGER)).filter((p) => isLocalUser(this.ctx, p.userId));
    const now = this.clock();
    await this.queue.queueEdus(
      servers.flatMap((destination) =>
        members.map((presence) => ({ destination, eduType: PRESENCE_EDU, content: { push: [presencePush(presence, now)] }, key: presence.userId })),
      ),
    );
  }

  private async send(presence: UserPresence): Promise<void> {
    const servers = await serversSharingRoomWith(this.ctx.db, presence.userId, this.ctx.config.server_name);
    const content = { push: [presencePush(presence, this.clock())] };
    await this.queue.queueEdus(servers.map((destination) => ({ destination, eduType: PRESENCE_EDU, content, key: presence.userId })));
  }
}
