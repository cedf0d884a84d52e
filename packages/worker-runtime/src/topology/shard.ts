import { createHash } from 'node:crypto';

/**
 * The event persister that owns a room (ARCHITECTURE.md §4, §5): rendezvous
 * (highest random weight) hashing of the room id over the configured
 * persisters. Every worker computes the same owner from the same list, and
 * adding or removing a persister moves only the rooms that it gains or loses.
 */
export function eventPersisterFor(roomId: string, persisters: readonly string[]): string {
  if (persisters.length === 0) throw new Error('no event persisters configured (stream_writers.events)');
  let best = persisters[0]!;
  let bestWeight = -1n;
  for (const instance of persisters) {
    const digest = createHash('sha256').update(instance).update('\u0000').update(roomId).digest();
    const weight = digest.readBigUInt64BE(0);
    if (weight > bestWeight) {
      best = instance;
      bestWeight = weight;
    }
  }
  return best;
}
