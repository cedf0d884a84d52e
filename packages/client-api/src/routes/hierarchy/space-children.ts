/**
 * A space's children (modules/spaces.md): its m.space.child events whose state
 * key is a room id and whose `via` is a non-empty list of strings (a child
 * without `via` has been removed), in the spec's order: children with a valid
 * `order` (printable ASCII, at most 50 characters) first, by order; then by the
 * child event's origin_server_ts; then by room id. `children_state` lists them
 * as stripped state events with origin_server_ts.
 */
import { isValidRoomId } from '@lattice/core';
import type { StoredEvent } from '@lattice/rooms';

export interface SpaceChild {
  roomId: string;
  via: string[];
  suggested: boolean;
  order: string | undefined;
  originServerTs: number;
  stripped: { type: string; state_key: string; content: Record<string, unknown>; sender: string; origin_server_ts: number };
}

const VALID_ORDER = /^[\x20-\x7e]{1,50}$/;

function childOf(stored: StoredEvent): SpaceChild | undefined {
  const { event } = stored;
  const via = event.content['via'];
  if (event.state_key === undefined || !isValidRoomId(event.state_key)) return undefined;
  if (!Array.isArray(via) || via.length === 0 || !via.every((v) => typeof v === 'string')) return undefined;
  const order = event.content['order'];
  return {
    roomId: event.state_key,
    via: via as string[],
    suggested: event.content['suggested'] === true,
    order: typeof order === 'string' && VALID_ORDER.test(order) ? order : undefined,
    originServerTs: event.origin_server_ts,
    stripped: { type: event.type, state_key: event.state_key, content: event.content, sender: event.sender, origin_server_ts: event.origin_server_ts },
  };
}

/** Code-point order, as the spec asks (not locale collation). */
const codePoints = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareChildren(a: SpaceChild, b: SpaceChild): number {
  if (a.order !== undefined && b.order === undefined) return -1;
  if (a.order === undefined && b.order !== undefined) return 1;
  if (a.order !== undefined && b.order !== undefined && a.order !== b.order) return codePoints(a.order, b.order);
  if (a.originServerTs !== b.originServerTs) return a.originServerTs - b.originServerTs;
  return codePoints(a.roomId, b.roomId);
}

export function spaceChildren(childEvents: readonly StoredEvent[], suggestedOnly: boolean): SpaceChild[] {
  return childEvents
    .flatMap((stored) => childOf(stored) ?? [])
    .filter((child) => !suggestedOnly || child.suggested)
    .sort(compareChildren);
}
