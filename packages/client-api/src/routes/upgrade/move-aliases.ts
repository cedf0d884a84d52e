/**
 * Step 4 of an upgrade: the old room's local aliases now resolve to the new
 * room, the new room advertises the old canonical alias content, the old
 * room's canonical alias event stops advertising the moved aliases, and a room
 * published in the directory is replaced there by its successor. Events the
 * upgrader lacks the power to send are skipped (logged): the aliases still move.
 */
import { MatrixError } from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import { moveRoomAliases } from '../directory/alias-store.js';
import { withoutAliases } from '../directory/canonical-alias.js';
import { getRoomVisibility, setRoomVisibility } from '../directory/room-visibility.js';

const CANONICAL_ALIAS = 'm.room.canonical_alias';

/** Returns the stream positions of the events it sent. */
export async function moveAliases(ctx: ClientApiContext, oldRoomId: string, newRoomId: string, upgrader: string): Promise<number[]> {
  const moved = new Set(await moveRoomAliases(ctx.db, oldRoomId, newRoomId));
  const positions: number[] = [];
  const send = async (roomId: string, content: Record<string, unknown>) => {
    try {
      const sent = await ctx.rooms.persister.createEvent({ room_id: roomId, type: CANONICAL_ALIAS, state_key: '', sender: upgrader, content });
      positions.push(sent.streamOrdering);
    } catch (err) {
      if (!(err instanceof MatrixError) || err.status !== 403) throw err;
      ctx.logger.info({ roomId, reason: err.message }, 'room upgrade: canonical alias left unchanged');
    }
  };

  const canonical = (await ctx.rooms.store.currentStateEvent(oldRoomId, CANONICAL_ALIAS, ''))?.event.content;
  if (canonical !== undefined && Object.keys(canonical).length > 0) {
    await send(newRoomId, canonical);
    const remaining = withoutAliases(canonical, moved);
    if (remaining !== undefined) await send(oldRoomId, remaining);
  }
  if ((await getRoomVisibility(ctx.db, oldRoomId)) === 'public') {
    await setRoomVisibility(ctx.db, newRoomId, 'public');
    await setRoomVisibility(ctx.db, oldRoomId, 'private');
  }
  return positions;
}
