import { createHash } from 'node:crypto';

/**
 * The instance that owns `key` among `instances`: rendezvous (highest random
 * weight) hashing. Every worker computes the same owner from the same list,
 * and adding or removing an instance moves only the keys that it gains or loses.
 */
export function rendezvousOwner(key: string, instances: readonly string[]): string {
  // A hash per instance per call was measurable on a client reader's send path: owners are remembered
  // per instance list (the config's arrays, which live as long as the process).
  let owners = ownersByList.get(instances);
  if (!owners) ownersByList.set(instances, (owners = new Map()));
  let owner = owners.get(key);
  if (owner === undefined) {
    if (owners.size >= MAX_REMEMBERED) owners.clear();
    owners.set(key, (owner = computeOwner(key, instances)));
  }
  return owner;
}

/** Owners remembered per instance list, at most this many (then forgotten at once: recomputing is cheap). */
const MAX_REMEMBERED = 100_000;
const ownersByList = new WeakMap<readonly string[], Map<string, string>>();

function computeOwner(key: string, instances: readonly string[]): string {
  let best = instances[0]!;
  let bestWeight = -1n;
  for (const instance of instances) {
    const digest = createHash('sha256').update(instance).update('\u0000').update(key).digest();
    const weight = digest.readBigUInt64BE(0);
    if (weight > bestWeight) {
      best = instance;
      bestWeight = weight;
    }
  }
  return best;
}

/** The event persister that owns a room (ARCHITECTURE.md §4, §5): the room id hashed over the configured persisters. */
export function eventPersisterFor(roomId: string, persisters: readonly string[]): string {
  if (persisters.length === 0) throw new Error('no event persisters configured (stream_writers.events)');
  return rendezvousOwner(roomId, persisters);
}

/** The presence writer that keeps a user's presence (devices, timers): the user id hashed over stream_writers.presence. */
export function presenceWriterFor(userId: string, writers: readonly string[]): string {
  if (writers.length === 0) throw new Error('no presence writers configured (stream_writers.presence)');
  return rendezvousOwner(userId, writers);
}

/**
 * The federation sender that sends to a destination: the server name hashed over
 * federation_sender_instances; undefined when none are named (one sender does it all).
 */
export function federationSenderFor(destination: string, senders: readonly string[]): string | undefined {
  return senders.length === 0 ? undefined : rendezvousOwner(destination, senders);
}
