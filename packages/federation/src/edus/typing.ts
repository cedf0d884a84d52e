/**
 * m.typing over federation (server-server-api.md "Typing Notifications").
 *
 * Inbound: a remote server's user joined to the room starts or stops typing
 * in the local typing stream, so local clients see it in /sync; it stops by
 * itself after FEDERATION_TYPING_TIMEOUT_MS unless renewed (the EDU carries no
 * timeout of its own).
 *
 * Outbound: follows the typing stream (every row carries the room's typers, so
 * this works on whichever instance runs the sender) and sends local users'
 * changes to the room's other servers, re-sending "still typing" every
 * TYPING_RENEW_MS so those servers' timeouts do not drop a user who keeps
 * typing. In the outbox a typing EDU replaces the queued one of the same
 * room+user and expires with the remote timeout: a server that is down gets
 * at most the latest state per room+user, and none once it would be stale.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { KeyedQueue } from '@lattice/rooms';
import type { EduHandler } from '../inbound/edu-dispatcher.js';
import { isLocalUser, originSpeaksInRoom, otherServersInRoom, type EduQueue } from './edu-scope.js';

export const TYPING_EDU = 'm.typing';
/** How long a remote user types unless their server renews it (Synapse uses the same). */
export const FEDERATION_TYPING_TIMEOUT_MS = 60_000;
/** How often a local user still typing is announced again (within the remote timeout). */
export const TYPING_RENEW_MS = 40_000;

export function typingEduHandler(ctx: ClientApiContext): EduHandler {
  return async (origin, content) => {
    const { room_id: roomId, user_id: userId, typing } = content;
    if (typeof roomId !== 'string' || typeof userId !== 'string' || typeof typing !== 'boolean') return;
    if (!(await originSpeaksInRoom(ctx, origin, roomId, userId))) return;
    ctx.rooms.typing.setTyping(roomId, userId, typing, FEDERATION_TYPING_TIMEOUT_MS);
  };
}

export interface TypingEduSenderOptions {
  renewMs?: number;
  clock?: () => number;
}

export class TypingEduSender {
  /** Local users typing now, per room (from the stream rows), for the renewals. */
  private readonly typing = new Map<string, Set<string>>();
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly clock: () => number;
  /** A room's changes are queued in order: a later "stopped" must replace an earlier "typing", never the reverse. */
  private readonly order = new KeyedQueue();

  constructor(
    private readonly ctx: ClientApiContext,
    private readonly queue: EduQueue,
    private readonly options: TypingEduSenderOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
  }

  start(): void {
    this.unsubscribe = this.ctx.rooms.hub.onUpdate('typing', (update) => {
      for (const row of update.rows) {
        const userId = row.user_id;
        if (userId === undefined || !isLocalUser(this.ctx, userId)) continue;
        const typing = (row.user_ids ?? []).includes(userId);
        const users = this.typing.get(row.room_id) ?? new Set<string>();
        if (typing) this.typing.set(row.room_id, users.add(userId));
        else if (users.delete(userId) && users.size === 0) this.typing.delete(row.room_id);
        this.send(row.room_id, [userId], typing);
      }
    });
    this.timer = setInterval(() => {
      for (const [roomId, users] of this.typing) this.send(roomId, [...users], true);
    }, this.options.renewMs ?? TYPING_RENEW_MS);
    this.timer.unref();
  }

  stop(): void {
    this.unsubscribe?.();
    clearInterval(this.timer);
    this.typing.clear();
  }

  private send(roomId: string, userIds: readonly string[], typing: boolean): void {
    void this.order.run(roomId, () => this.queueFor(roomId, userIds, typing)).catch((err: unknown) =>
      this.ctx.logger.warn({ err, roomId }, 'federation: queueing m.typing failed'),
    );
  }

  private async queueFor(roomId: string, userIds: readonly string[], typing: boolean): Promise<void> {
    const servers = await otherServersInRoom(this.ctx.db, roomId, this.ctx.config.server_name);
    const expiresTs = this.clock() + FEDERATION_TYPING_TIMEOUT_MS;
    await this.queue.queueEdus(
      servers.flatMap((destination) =>
        userIds.map((userId) => ({
          destination,
          eduType: TYPING_EDU,
          content: { room_id: roomId, user_id: userId, typing },
          key: `${roomId} ${userId}`,
          expiresTs,
        })),
      ),
    );
  }
}
