/**
 * Every change that revokes access tokens or changes what they resolve to
 * (logout, device deletion, password change, deactivation, re-login on a
 * device, refresh rotation) runs through here: the change and a `caches` row
 * naming the user commit in one transaction, and the request answers only once
 * this worker has applied the row, with the position recorded as the user's
 * latest write so every other replica applies it before serving the user again
 * (ARCHITECTURE.md §4). No worker accepts a revoked token after the 200.
 */
import { invalidatingWrite, type CacheRow } from '@lattice/replication';
import type { ScriptRunner } from '@lattice/storage';
import type { ClientApiContext } from '../context.js';
import { afterStreamWrite } from '../routes/rooms/read-your-writes.js';
import { ACCESS_TOKEN_CACHE } from './token-cache.js';

export async function revokingTokens<T>(ctx: ClientApiContext, userId: string, change: (tx: ScriptRunner) => Promise<T>): Promise<T> {
  const row: CacheRow = { cache: ACCESS_TOKEN_CACHE, keys: [userId] };
  const { position, result } = await invalidatingWrite(ctx.rooms.hub, ctx.db, row, change);
  await afterStreamWrite(ctx.rooms, userId, 'caches', position);
  return result;
}
