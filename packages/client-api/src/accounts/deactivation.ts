/**
 * Deactivating an account, for POST /account/deactivate and the admin API's
 * /_synapse/admin/v1/deactivate alike: in one transaction the account is
 * marked deactivated (and erased if asked) and every device goes (with its
 * tokens, keys and pushers, by foreign key); then the user leaves
 * every room they are in, is invited to or knocking on. Erasure also clears
 * the profile.
 */
import { MatrixError } from '@lattice/core';
import type { ClientApiContext } from '../context.js';
import { deleteAllDevices } from '../stores/devices.js';
import { clearProfile } from '../stores/profiles.js';
import { markDeactivated } from '../stores/users.js';
import { sendMemberEvent } from '../routes/rooms/member-events.js';
import { leaveThroughFederation } from '../routes/rooms/remote-membership.js';
import { revokingTokens } from './token-revocation.js';

const LEAVABLE = ['join', 'invite', 'knock'];

export async function deactivateAccount(ctx: ClientApiContext, userId: string, options: { erase: boolean }): Promise<void> {
  const removed = await revokingTokens(ctx, userId, async (tx) => {
    await markDeactivated(tx, userId, options.erase);
    if (options.erase) await clearProfile(tx, userId);
    return deleteAllDevices(tx, userId);
  });
  await ctx.devices?.removed(userId, removed);
  await leaveAllRooms(ctx, userId);
}

/** Leaves (or rejects) every room; a room that refuses is logged and skipped, the rest still get left. */
async function leaveAllRooms(ctx: ClientApiContext, userId: string): Promise<void> {
  for (const { roomId } of await ctx.rooms.store.roomsForUser(userId, LEAVABLE)) {
    try {
      if (await leaveThroughFederation(ctx, roomId, userId)) continue;
      await sendMemberEvent(ctx, { roomId, sender: userId, target: userId, membership: 'leave' });
    } catch (err) {
      if (!(err instanceof MatrixError)) throw err;
      ctx.logger.warn({ roomId, userId, reason: err.message }, 'deactivated user could not leave room');
    }
  }
}
