/**
 * Redactions (client-server "Redactions"; rooms/v3.md "Handling redactions"):
 * from v3 a redaction is accepted into the DAG on its own, and applied to the
 * redacted event only once we hold that event and either both senders are on
 * the same server or the redacter has the room's `redact` power.
 */
import { serverNameOf, type PDU, type RoomEvent, type RoomVersion } from '@lattice/core';

/** The event a m.room.redaction redacts: in content from v11, top-level before. */
export function redactedEventIdOf(event: PDU, version: RoomVersion): string | undefined {
  if (event.type !== 'm.room.redaction') return undefined;
  const redacts = version.redactsInContent ? event.content['redacts'] : event.redacts;
  return typeof redacts === 'string' ? redacts : undefined;
}

/** Whether an accepted redaction takes effect on `target`. */
export function redactionApplies(redaction: RoomEvent, target: RoomEvent, redacterHasRedactPower: boolean): boolean {
  if (target.room_id !== redaction.room_id) return false;
  return redacterHasRedactPower || serverNameOf(redaction.sender) === serverNameOf(target.sender);
}
