/**
 * Events "from another server": built, hashed and signed with that server's own
 * key exactly as it would send them, so the rooms package sees real remote PDUs.
 */
import { generateSigningKey, type EventReference, type RoomEvent, type RoomVersion } from '@lattice/core';
import { buildEvent, type EventDraft } from '@lattice/rooms';

export const REMOTE = 'remote.test';
export const rita = `@rita:${REMOTE}`;
export const mallory = `@mallory:${REMOTE}`;
export const remoteKey = generateSigningKey('r1');

export function remoteEvent(
  version: RoomVersion,
  draft: EventDraft,
  prev: RoomEvent[],
  auth: RoomEvent[],
  opts: { ts?: number; server?: string } = {},
): RoomEvent {
  const ref = (e: RoomEvent): EventReference => (version.eventIdFormat === 'v1' ? [e.event_id, { sha256: '' }] : e.event_id);
  const depth = prev.reduce((d, e) => Math.max(d, e.depth), 0) + 1;
  return buildEvent({
    draft,
    version,
    prevEvents: prev.map(ref),
    authEvents: auth.map(ref),
    depth,
    originServerTs: opts.ts ?? 1_700_000_000_000,
    serverName: opts.server ?? REMOTE,
    signingKey: remoteKey,
  }).event;
}
