/**
 * Steps 1–3 of "Checks performed on receipt of a PDU" for a PDU received as
 * part of a JSON body (a transaction, a send_join answer, a fetched event):
 * format and size, signatures (dropped when they fail), content hash
 * (processed as its redacted copy when it does not match). Also refuses a PDU
 * whose room is not the one expected.
 */
import { checkParsedPdu, type RoomEvent, type RoomVersion } from '@lattice/core';
import type { KeyRing } from '../api.js';
import { keyLookupOf } from './key-lookup.js';

export type CheckedPdu = { ok: true; event: RoomEvent; redacted: boolean } | { ok: false; reason: string };

export async function checkReceivedPdu(value: unknown, version: RoomVersion, keyRing: KeyRing, roomId?: string): Promise<CheckedPdu> {
  const result = await checkParsedPdu(value, version, keyLookupOf(keyRing));
  if (result.outcome === 'dropped') return { ok: false, reason: result.reason };
  if (roomId !== undefined && result.event.room_id !== roomId) return { ok: false, reason: `event is not in room ${roomId}` };
  return { ok: true, event: result.event, redacted: result.outcome === 'redacted' };
}

/** PDUs checked concurrently (their key lookups overlap); each chunk's encoding runs synchronously. */
const CHECK_CHUNK = 32;
/** Chunks under way at once: the next chunk is encoded while the verification threads check the previous ones. */
const CHUNKS_IN_FLIGHT = 6;

/**
 * Checks a list of PDUs, keeping those that pass (the rest are dropped, as the spec says)
 * in their order. Works in chunks, giving the event loop a turn between them: a send_join
 * answer for a large room holds tens of thousands of PDUs.
 */
export async function checkReceivedPdus(values: unknown, version: RoomVersion, keyRing: KeyRing, roomId: string): Promise<RoomEvent[]> {
  if (!Array.isArray(values)) return [];
  const out: RoomEvent[] = [];
  const inFlight: Array<Promise<CheckedPdu[]>> = [];
  const takeOldest = async () => {
    for (const c of await inFlight.shift()!) if (c.ok) out.push(c.event);
  };
  for (let i = 0; i < values.length; i += CHECK_CHUNK) {
    const chunk = Promise.all(values.slice(i, i + CHECK_CHUNK).map((v) => checkReceivedPdu(v, version, keyRing, roomId)));
    chunk.catch(() => undefined); // awaited in order below; a failure must not surface as unhandled meanwhile
    inFlight.push(chunk);
    if (inFlight.length >= CHUNKS_IN_FLIGHT) await takeOldest();
    // A turn after every chunk: answers that arrived together would otherwise let this loop run on without one.
    if (values.length > CHECK_CHUNK) await new Promise((r) => setImmediate(r));
  }
  while (inFlight.length > 0) await takeOldest();
  return out;
}

/**
 * A send_join answer's state and auth chain, checked. Each raw list is let go of once
 * checked (deleted from the answer): a large room's are tens of megabytes, and what stays
 * alive through the join is what every garbage collection of it walks.
 */
export async function checkJoinAnswer(
  answer: { state?: unknown; auth_chain?: unknown },
  version: RoomVersion,
  keyRing: KeyRing,
  roomId: string,
): Promise<{ state: RoomEvent[]; authChain: RoomEvent[] }> {
  const state = await checkReceivedPdus(answer.state, version, keyRing, roomId);
  delete answer.state;
  const authChain = await checkReceivedPdus(answer.auth_chain, version, keyRing, roomId);
  delete answer.auth_chain;
  return { state, authChain };
}
