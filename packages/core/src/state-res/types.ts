import type { RoomEvent } from '../events/pdu.js';
import type { RoomVersion } from '../room-versions.js';

/** Finds an event by id. The caller pre-loads every event the resolution can touch:
 *  the state sets' events and their whole auth chains. Unknown ids are skipped. */
export type EventLookup = (eventId: string) => RoomEvent | undefined;

export interface ResolveOptions {
  /** Was this event rejected on receipt (failed auth against its auth chain or its
   *  state)? Rejected events are never used as auth events by the iterative auth
   *  checks (spec: "Rejected auth events are deliberately excluded"). Default: none are. */
  isRejected?: (eventId: string) => boolean;
}

/** What every step of a resolution needs. */
export interface ResolutionContext {
  readonly version: RoomVersion;
  readonly getEvent: EventLookup;
  readonly isRejected: (eventId: string) => boolean;
}
