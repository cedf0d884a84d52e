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
const CHECK_CHUNK = 64;

/**
 * Checks a list of PDUs, keeping those that pass (the rest are dropped, as the spec says).
 * Works in chunks, giving the event loop a turn between them: a send_join answer for a
 * large room holds tens of thousands of PDUs.
 */
export async function checkReceivedPdus(values: unknown, version: RoomVersion, keyRing: KeyRing, roomId: string): Promise<RoomEvent[]> {
  if (!Array.isArray(values)) return [];
  const out: RoomEvent[] = [];
  for (let i = 0; i < values.length; i += CHECK_CHUNK) {
    const chunk = values.slice(i, i + CHECK_CHUNK);
    const checked = await Promise.all(chunk.map((v) => checkReceivedPdu(v, version, keyRing, roomId)));
    for (const c of checked) if (c.ok) out.push(c.event);
    if (values.length > CHECK_CHUNK) await new Promise((r) => setImmediate(r));
  }
  return out;
}
