/**
 * Deleting some of a user's devices: the rows go (with their tokens, keys and
 * pushers, by foreign key) under a token revocation every replica honours
 * before the answer, then the device listeners hear of it (device list updates).
 */
import type { ClientApiContext } from '../context.js';
import { deleteDevices } from '../stores/devices.js';
import { revokingTokens } from './token-revocation.js';

/** Returns the ids of the devices that existed and were deleted. */
export async function removeDevices(ctx: ClientApiContext, userId: string, deviceIds: readonly string[]): Promise<string[]> {
  const removed = await revokingTokens(ctx, userId, (tx) => deleteDevices(tx, userId, deviceIds));
  await ctx.devices?.removed(userId, removed);
  return removed;
}
