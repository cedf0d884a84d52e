/**
 * From room version 3 the auth rules accept any member's redaction and apply it
 * only when its sender may redact the target (its own event, or the `redact`
 * power level). A local client asking to redact someone else's event without
 * that power is told so (403) instead of sending a redaction that does nothing.
 */
import { Errors, effectivePowerLevels, userPowerLevel } from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import { powerStateLookup } from './power-state.js';
import type { KnownRoom } from './room-lookup.js';

export async function checkRedactionAllowed(ctx: ClientApiContext, room: KnownRoom, userId: string, redacts: string): Promise<void> {
  const { store } = ctx.rooms;
  const target = await store.getEvent(redacts);
  // Unknown or foreign targets: nothing to protect; the auth rules have the last word.
  if (target === undefined || target.event.room_id !== room.roomId || target.event.sender === userId) return;
  const lookup = await powerStateLookup(ctx.rooms, room.roomId);
  if (userPowerLevel(userId, lookup, room.version) < effectivePowerLevels(lookup, room.version).redact) {
    throw Errors.forbidden("You don't have permission to redact events of other users");
  }
}
