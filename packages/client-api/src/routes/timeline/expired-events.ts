/**
 * Message retention (Synapse's retention policies, spec m.room.retention):
 * with retention enabled, a message older than its room's effective
 * max_lifetime is no longer served to clients, even before the purge job has
 * deleted it. State events are never hidden (retention covers messages only).
 */
import { effectiveRetention, type HomeserverConfig, type RoomEvent } from '@lattice/core';
import type { RoomStore } from '@lattice/rooms';

/** Per room with a max_lifetime: messages sent before this time have expired. Empty when retention is off. */
export async function expiryCutoffs(
  config: Pick<HomeserverConfig, 'retention'>,
  store: Pick<RoomStore, 'currentStateEvent'>,
  roomIds: Iterable<string>,
  now = Date.now(),
): Promise<Map<string, number>> {
  const cutoffs = new Map<string, number>();
  if (!config.retention.enabled) return cutoffs;
  for (const roomId of new Set(roomIds)) {
    const policy = await store.currentStateEvent(roomId, 'm.room.retention', '');
    const { max_lifetime: maxLifetime } = effectiveRetention(config.retention, policy?.event.content);
    if (maxLifetime !== undefined) cutoffs.set(roomId, now - maxLifetime);
  }
  return cutoffs;
}

export function isExpired(event: Pick<RoomEvent, 'room_id' | 'state_key' | 'origin_server_ts'>, cutoffs: ReadonlyMap<string, number> | undefined): boolean {
  if (event.state_key !== undefined || !cutoffs || cutoffs.size === 0) return false;
  const cutoff = cutoffs.get(event.room_id);
  return cutoff !== undefined && event.origin_server_ts < cutoff;
}
