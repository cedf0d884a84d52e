/**
 * Checks on state content that the auth rules do not make (room_state.yaml
 * 400s): an m.room.canonical_alias must name aliases that exist and point to
 * the room (the directory's rule).
 */
import type { ClientApiContext } from '../../context.js';
import { validateCanonicalAliasContent } from '../directory/canonical-alias.js';
import type { KnownRoom } from './room-lookup.js';

export async function checkStateEventContent(ctx: ClientApiContext, room: KnownRoom, type: string, content: Record<string, unknown>): Promise<void> {
  if (type === 'm.room.canonical_alias') await validateCanonicalAliasContent(ctx, room.roomId, content);
}
