/**
 * Spec (rooms/v2 "Mainline ordering"): order events by how far back along the
 * mainline of the resolved power levels event their own power levels ancestry
 * joins it (joining earlier, or never, sorts first), then origin_server_ts, then
 * event id. Positions are memoised per power levels event, so each step of every
 * power levels chain is walked once.
 */
import type { RoomEvent } from '../events/pdu.js';
import { citedPowerLevels } from './event-facts.js';
import { CHEAP_STEPS_PER_CHECKPOINT, type Steps } from './steps.js';
import type { ResolutionContext } from './types.js';

const NOT_ON_MAINLINE = Infinity;

export function* mainlineOrder(
  events: readonly RoomEvent[],
  powerLevels: RoomEvent | undefined,
  ctx: ResolutionContext,
): Steps<RoomEvent[]> {
  // position: index on the mainline (P0 = 0) of a power levels event or of the first
  // mainline event its ancestry reaches.
  const position = new Map<string, number>();
  for (let p = powerLevels, i = 0; p !== undefined && !position.has(p.event_id); p = citedPowerLevels(p, ctx), i++) {
    position.set(p.event_id, i);
  }

  const positionOfPowerLevels = (start: RoomEvent): number => {
    const path = new Set<string>();
    let found = NOT_ON_MAINLINE;
    for (let p: RoomEvent | undefined = start; p !== undefined; p = citedPowerLevels(p, ctx)) {
      const known = position.get(p.event_id);
      if (known !== undefined) {
        found = known;
        break;
      }
      if (path.has(p.event_id)) break; // a cycle (impossible with hash ids)
      path.add(p.event_id);
    }
    for (const id of path) position.set(id, found);
    return found;
  };

  const keyed: Array<{ event: RoomEvent; position: number }> = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    // The event itself is not part of its list (e_1 is its cited power levels event).
    const cited = citedPowerLevels(event, ctx);
    keyed.push({ event, position: cited === undefined ? NOT_ON_MAINLINE : positionOfPowerLevels(cited) });
    if (i % CHEAP_STEPS_PER_CHECKPOINT === 0) yield;
  }
  keyed.sort((a, b) => {
    if (a.position !== b.position) return a.position > b.position ? -1 : 1;
    if (a.event.origin_server_ts !== b.event.origin_server_ts) return a.event.origin_server_ts - b.event.origin_server_ts;
    return a.event.event_id < b.event.event_id ? -1 : a.event.event_id > b.event.event_id ? 1 : 0;
  });
  return keyed.map((k) => k.event);
}
