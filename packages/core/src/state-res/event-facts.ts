/**
 * What state resolution asks of a single event: is it a power event, which power
 * levels / create event it cites, and its sender's power level as seen from its
 * own auth events.
 */
import { authEventIds, type RoomEvent } from '../events/pdu.js';
import { powerLevelFor } from '../auth/power-levels.js';
import type { ResolutionContext } from './types.js';

/** Spec (rooms/v2 "Power events"): power levels, join rules, and a leave or ban of
 *  somebody else: the events that can take an ability away. */
export function isPowerEvent(event: RoomEvent): boolean {
  if (event.state_key === undefined) return false;
  if (event.type === 'm.room.power_levels' || event.type === 'm.room.join_rules') return event.state_key === '';
  if (event.type !== 'm.room.member') return false;
  const membership = event.content['membership'];
  return (membership === 'leave' || membership === 'ban') && event.sender !== event.state_key;
}

function isPowerLevels(event: RoomEvent): boolean {
  return event.type === 'm.room.power_levels' && event.state_key === '';
}

/** The m.room.power_levels event among the event's auth events, if any. */
export function citedPowerLevels(event: RoomEvent, ctx: ResolutionContext): RoomEvent | undefined {
  for (const id of authEventIds(event)) {
    const authEvent = ctx.getEvent(id);
    if (authEvent !== undefined && isPowerLevels(authEvent)) return authEvent;
  }
  return undefined;
}

/** The room's create event id as v12 implies it: the room id with the `$` sigil. */
export function impliedCreateEventId(roomId: string): string {
  return `$${roomId.slice(1)}`;
}

/** The create event the event relies on: implied by the room id in v12 (never cited),
 *  among the auth events before. */
export function createEventFor(event: RoomEvent, ctx: ResolutionContext): RoomEvent | undefined {
  if (ctx.version.roomIdFromCreateEvent) return ctx.getEvent(impliedCreateEventId(event.room_id));
  for (const id of authEventIds(event)) {
    const authEvent = ctx.getEvent(id);
    if (authEvent !== undefined && authEvent.type === 'm.room.create' && authEvent.state_key === '') return authEvent;
  }
  return undefined;
}

/** The sender's power level "when looking at their respective auth_events" (spec: reverse
 *  topological power ordering); infinite for v12 room creators. */
export function senderPowerLevel(event: RoomEvent, ctx: ResolutionContext): number {
  return powerLevelFor(event.sender, createEventFor(event, ctx), citedPowerLevels(event, ctx), ctx.version);
}
