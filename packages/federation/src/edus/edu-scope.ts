/**
 * What the EDU modules (typing, receipts, presence) share: who an EDU goes to
 * (the other servers of a room, or of every room a user is in) and whether an
 * inbound EDU may speak for a user in a room (spec: the user belongs to the
 * sending server and is in the room; the room's server ACL applies).
 */
import { serverNameOf } from '@lattice/core';
import type { ClientApiContext } from '@lattice/client-api';
import type { Queryable } from '@lattice/storage';
import { serverAclAllows } from '../rooms/server-acl.js';
import type { QueuedEdu } from '../sender/federation-sender.js';

/** Where EDUs are queued (FederationSender.queueEdus). */
export interface EduQueue {
  queueEdus(edus: readonly QueuedEdu[]): Promise<void>;
}

/** Servers other than `self` with members joined to the room. */
export async function otherServersInRoom(db: Queryable, roomId: string, self: string): Promise<string[]> {
  const { rows } = await db.query<{ server: string }>(
    `SELECT DISTINCT substring(state_key FROM position(':' IN state_key) + 1) AS server FROM current_state_events
     WHERE room_id = $1 AND type = 'm.room.member' AND membership = 'join'`,
    [roomId],
  );
  return rows.map((r) => r.server).filter((s) => s !== self);
}

/** Servers other than `self` with members joined to a room the local user is joined to. */
export async function serversSharingRoomWith(db: Queryable, localUserId: string, self: string): Promise<string[]> {
  const { rows } = await db.query<{ server: string }>(
    `SELECT DISTINCT substring(c.state_key FROM position(':' IN c.state_key) + 1) AS server
     FROM local_current_membership l
     JOIN current_state_events c ON c.room_id = l.room_id AND c.type = 'm.room.member' AND c.membership = 'join'
     WHERE l.user_id = $1 AND l.membership = 'join'`,
    [localUserId],
  );
  return rows.map((r) => r.server).filter((s) => s !== self);
}

/** The user is one of this server's own. */
export function isLocalUser(ctx: ClientApiContext, userId: string): boolean {
  return serverNameOf(userId) === ctx.config.server_name;
}

/**
 * An inbound EDU from `origin` may speak for `userId` in `roomId`: the user
 * belongs to the origin, is joined to the room here, and the room's server
 * ACL does not deny the origin.
 */
export async function originSpeaksInRoom(ctx: ClientApiContext, origin: string, roomId: string, userId: string): Promise<boolean> {
  if (serverNameOf(userId) !== origin) return false;
  const { store } = ctx.rooms;
  const membership = await store.membership(roomId, userId);
  if (membership?.membership !== 'join') return false;
  const acl = await store.currentStateEvent(roomId, 'm.room.server_acl', '');
  return serverAclAllows(acl?.event.content, origin);
}
