/**
 * Membership changes that need other servers (server-server "Joining rooms",
 * "Inviting to a room", "Leaving rooms"): joining a room this server is not
 * in, refusing or withdrawing from one (a remote invite), inviting a user of
 * another server. The federation package implements it; without it these
 * answer as before (unknown room, users of other servers refused).
 */
import { serverNameOf } from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import { getProfile } from '../../stores/profiles.js';
import { lookUpRoomAlias } from '../directory/aliases.js';
import { checkRoomIdOrAlias } from './ids.js';
import { afterWrite } from './read-your-writes.js';
import { limitJoin } from '../../ratelimit/membership-limits.js';

export interface RemoteMembership {
  /** Joins through one of `servers` (tried in order); resolves with the join's events-stream position. */
  join(userId: string, roomId: string, servers: readonly string[], content: Record<string, unknown>): Promise<{ streamOrdering: number }>;
  /** Leaves (or refuses the invite to) a room this server is not in, through the servers that know it. */
  leave(userId: string, roomId: string, servers: readonly string[], reason?: string): Promise<{ streamOrdering: number }>;
  /** Knocks on a room this server is not in, through one of `servers`. */
  knock(userId: string, roomId: string, servers: readonly string[], reason?: string): Promise<{ streamOrdering: number }>;
  /** Invites a user of another server to a room this server is in. */
  invite(inviter: string, roomId: string, invitee: string, reason?: string): Promise<{ streamOrdering: number }>;
}

/** Whether any local user is joined to the room (this server takes part in it). */
export async function serverInRoom(ctx: ClientApiContext, roomId: string): Promise<boolean> {
  const { rows } = await ctx.db.query(`SELECT 1 FROM local_current_membership WHERE room_id = $1 AND membership = 'join' LIMIT 1`, [roomId]);
  return rows.length > 0;
}

/** server_name / via query parameters (repeatable), as the join endpoints take them. */
export function viaServers(query: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of ['via', 'server_name']) {
    const v = query[key];
    for (const s of Array.isArray(v) ? v : [v]) if (typeof s === 'string' && s.length > 0) out.push(s);
  }
  return out;
}

/** The room a room id or alias names, with the servers the alias's directory listed; an unknown alias names none. */
async function roomOf(ctx: ClientApiContext, roomIdOrAlias: string): Promise<{ roomId?: string; aliasServers: string[] }> {
  const target = checkRoomIdOrAlias(roomIdOrAlias);
  if ('roomId' in target) return { roomId: target.roomId, aliasServers: [] };
  const found = await lookUpRoomAlias(ctx, target.alias);
  return { roomId: found?.room_id, aliasServers: found?.servers ?? [] };
}

/**
 * A room id (or an alias of a room) this server is not in, with the other servers to ask (those given,
 * then `extra`, then the room id's own server); undefined when the change is local.
 */
async function remoteTarget(
  ctx: ClientApiContext,
  roomIdOrAlias: string,
  servers: readonly string[],
  extra: (roomId: string) => Promise<string[]> = async () => [],
): Promise<{ remote: RemoteMembership; roomId: string; servers: string[] } | undefined> {
  const remote = ctx.remoteMembership;
  if (remote === undefined) return undefined;
  const { roomId, aliasServers } = await roomOf(ctx, roomIdOrAlias);
  if (roomId === undefined || (await serverInRoom(ctx, roomId))) return undefined;
  const roomServer = serverNameOf(roomId);
  const candidates = [...servers, ...aliasServers, ...(await extra(roomId)), ...(roomServer === undefined ? [] : [roomServer])];
  const others = [...new Set(candidates)].filter((s) => s !== ctx.config.server_name);
  return others.length === 0 ? undefined : { remote, roomId, servers: others };
}

/**
 * A join this server cannot do alone: a room (by id or alias) it is not in. Resolves with the
 * room id once joined, or undefined when the join is local (or federation is off).
 */
export async function joinThroughFederation(
  ctx: ClientApiContext,
  roomIdOrAlias: string,
  userId: string,
  servers: readonly string[],
  reason?: string,
): Promise<string | undefined> {
  // A remote invite is known only as the user's membership (an outlier, not room state): ask its server too.
  const target = await remoteTarget(ctx, roomIdOrAlias, servers, async (roomId) => {
    const invite = (await ctx.rooms.store.roomsForUser(userId, ['invite'])).find((r) => r.roomId === roomId);
    const inviter = invite && (await ctx.rooms.store.getEvent(invite.eventId))?.event.sender;
    const server = inviter === undefined ? undefined : serverNameOf(inviter);
    return server === undefined ? [] : [server];
  });
  if (target === undefined) return undefined;
  await limitJoin(ctx, userId, target.roomId, 'remote');
  const profile = await getProfile(ctx.db, userId);
  const content: Record<string, unknown> = { membership: 'join' };
  if (profile?.displayname) content['displayname'] = profile.displayname;
  if (profile?.avatar_url) content['avatar_url'] = profile.avatar_url;
  if (reason !== undefined) content['reason'] = reason;
  const { streamOrdering } = await target.remote.join(userId, target.roomId, target.servers, content);
  await afterWrite(ctx.rooms, userId, streamOrdering);
  return target.roomId;
}

/** Leaving (or refusing an invite to) a room this server is not in. True when done here. */
export async function leaveThroughFederation(ctx: ClientApiContext, roomId: string, userId: string, reason?: string): Promise<boolean> {
  const remote = ctx.remoteMembership;
  if (remote === undefined || (await serverInRoom(ctx, roomId))) return false;
  const local = (await ctx.rooms.store.roomsForUser(userId)).find((r) => r.roomId === roomId);
  if (local === undefined || local.membership === 'leave' || local.membership === 'ban') return false;
  const sender = (await ctx.rooms.store.getEvent(local.eventId))?.event.sender;
  const servers = [sender && serverNameOf(sender), serverNameOf(roomId)].filter((s): s is string => !!s && s !== ctx.config.server_name);
  if (servers.length === 0) return false;
  const { streamOrdering } = await remote.leave(userId, roomId, [...new Set(servers)], reason);
  await afterWrite(ctx.rooms, userId, streamOrdering);
  return true;
}

/** Inviting a user of another server. True when done here. */
export async function inviteThroughFederation(ctx: ClientApiContext, roomId: string, inviter: string, invitee: string, reason?: string): Promise<boolean> {
  const remote = ctx.remoteMembership;
  if (remote === undefined || serverNameOf(invitee) === ctx.config.server_name) return false;
  const { streamOrdering } = await remote.invite(inviter, roomId, invitee, reason);
  await afterWrite(ctx.rooms, inviter, streamOrdering);
  return true;
}

/** Knocking on a room this server is not in. Resolves with the room id when done here, undefined otherwise. */
export async function knockThroughFederation(
  ctx: ClientApiContext,
  roomIdOrAlias: string,
  userId: string,
  servers: readonly string[],
  reason?: string,
): Promise<string | undefined> {
  const target = await remoteTarget(ctx, roomIdOrAlias, servers);
  if (target === undefined) return undefined;
  const { streamOrdering } = await target.remote.knock(userId, target.roomId, target.servers, reason);
  await afterWrite(ctx.rooms, userId, streamOrdering);
  return target.roomId;
}
