/**
 * A token may come from another worker that has seen more of the events
 * stream than this one (ARCHITECTURE.md §4): wait, bounded, until this worker
 * has caught up, so a page never has a gap.
 */
import type { TopologicalPosition } from '@lattice/rooms';
import type { ClientApiContext } from '../../context.js';

const TOKEN_CATCH_UP_MS = 5_000;

export async function catchUpWithToken(ctx: ClientApiContext, pos: TopologicalPosition): Promise<void> {
  if (ctx.rooms.hub.currentToken().get('events').min >= pos.stream) return;
  await ctx.rooms.hub.waitForPositions({ events: pos.stream }, TOKEN_CATCH_UP_MS);
}
