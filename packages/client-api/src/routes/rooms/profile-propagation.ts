/**
 * A profile change reaches the rooms (client-server "Events on Change of
 * Profile Information"): every room the user is joined to gets a new
 * m.room.member join event with the new displayname / avatar_url, the rest of
 * the content kept. A room that refuses the event (e.g. the user may no longer
 * change their member event there) is skipped; the profile change stands.
 */
import { MatrixError } from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import type { Profile } from '../../stores/profiles.js';
import { afterWrite } from './read-your-writes.js';

function withProfile(content: Record<string, unknown>, profile: Profile): Record<string, unknown> {
  const { displayname: _d, avatar_url: _a, ...rest } = content;
  const next: Record<string, unknown> = { ...rest, membership: 'join' };
  if (profile.displayname !== null) next.displayname = profile.displayname;
  if (profile.avatar_url !== null) next.avatar_url = profile.avatar_url;
  return next;
}

export async function propagateProfile(ctx: ClientApiContext, userId: string, profile: Profile): Promise<void> {
  const { store, persister } = ctx.rooms;
  let position = 0;
  for (const { roomId } of await store.roomsForUser(userId, ['join'])) {
    const current = await store.currentStateEvent(roomId, 'm.room.member', userId);
    if (current?.event.content['membership'] !== 'join') continue;
    const content = withProfile(current.event.content, profile);
    if (content.displayname === current.event.content['displayname'] && content.avatar_url === current.event.content['avatar_url']) continue;
    try {
      const sent = await persister.createEvent({ room_id: roomId, type: 'm.room.member', state_key: userId, sender: userId, content });
      position = Math.max(position, sent.streamOrdering);
    } catch (err) {
      if (!(err instanceof MatrixError)) throw err;
      ctx.logger.info({ roomId, userId, reason: err.message }, 'profile change not sent to room');
    }
  }
  if (position > 0) await afterWrite(ctx.rooms, userId, position);
}
