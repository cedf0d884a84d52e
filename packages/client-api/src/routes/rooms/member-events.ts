/**
 * Sending m.room.member events on behalf of local users. A member event of a
 * joined, invited or knocking user carries that user's profile (displayname,
 * avatar_url), as other servers and clients expect; `reason` is passed through.
 */
import type { RoomEvent } from '@lattice/core';
import type { SendResult } from '@lattice/rooms';
import type { ClientApiContext } from '../../context.js';
import { getProfile } from '../../stores/profiles.js';
import { afterWrite } from './read-your-writes.js';

const WITH_PROFILE = new Set(['join', 'invite', 'knock']);

export interface MembershipChangeRequest {
  roomId: string;
  sender: string;
  target: string;
  membership: 'join' | 'invite' | 'leave' | 'ban' | 'knock';
  reason?: string;
  /** Further content (is_direct, join_authorised_via_users_server). */
  extra?: Record<string, unknown>;
}

/** The target's profile fields as member event content (local users only; others have none here). */
export async function profileContent(ctx: ClientApiContext, userId: string): Promise<Record<string, string>> {
  const profile = await getProfile(ctx.db, userId);
  const content: Record<string, string> = {};
  if (profile?.displayname) content.displayname = profile.displayname;
  if (profile?.avatar_url) content.avatar_url = profile.avatar_url;
  return content;
}

export async function memberContent(ctx: ClientApiContext, change: MembershipChangeRequest): Promise<Record<string, unknown>> {
  const content: Record<string, unknown> = { membership: change.membership };
  if (WITH_PROFILE.has(change.membership)) Object.assign(content, await profileContent(ctx, change.target));
  if (change.reason !== undefined) content.reason = change.reason;
  return Object.assign(content, change.extra);
}

/** Persists the member event and waits until it is readable (read-your-writes). */
export async function sendMemberEvent(ctx: ClientApiContext, change: MembershipChangeRequest): Promise<SendResult> {
  const content = await memberContent(ctx, change);
  const result = await ctx.rooms.persister.createEvent({
    room_id: change.roomId,
    type: 'm.room.member',
    state_key: change.target,
    sender: change.sender,
    content,
  });
  await afterWrite(ctx.rooms, change.sender, result.streamOrdering);
  return result;
}

/** Does a new join event say anything the current one does not (a rejoin, or a changed profile)? */
export function joinChanges(current: RoomEvent | undefined, content: Record<string, unknown>): boolean {
  if (current === undefined || current.content['membership'] !== 'join') return true;
  return (
    current.content['displayname'] !== content['displayname'] ||
    current.content['avatar_url'] !== content['avatar_url'] ||
    current.content['reason'] !== content['reason']
  );
}
