/**
 * Pusher changes made through the client API: the write and its announcement
 * on the `caches` stream commit together, so the dispatcher of every worker
 * (the event persisters' in the worker split) looks the user's room members
 * with pushers up again, and a phone that just registered is pushed the next
 * message rather than one a few seconds later.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { invalidatingWrite, onCacheInvalidation, type ReplicationHub } from '@lattice/replication';
import type { Queryable } from '@lattice/storage';

/** The `caches` stream's name for "these users' pushers changed". */
export const PUSHERS_CACHE = 'pushers';

/** Runs `change` (the pusher writes of `userId`) in one commit with its announcement. */
export async function changePushers(ctx: ClientApiContext, userId: string, change: (tx: Queryable) => Promise<void>): Promise<void> {
  await invalidatingWrite(ctx.rooms.hub, ctx.db, { cache: PUSHERS_CACHE, keys: [userId] }, change);
}

/** Calls `changed` whenever a pusher change is announced, by this worker or another; returns the unsubscription. */
export function onPushersChanged(hub: ReplicationHub, changed: () => void): () => void {
  return onCacheInvalidation(hub, PUSHERS_CACHE, changed);
}
