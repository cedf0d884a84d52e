/**
 * Event templates for the membership handshakes (make_join, make_leave,
 * make_knock): the fields the resident server fills in from the room as it
 * stands (prev_events from the forward extremities, auth_events from the
 * current state, depth), for the joining server to complete, hash and sign.
 */
import { authEventKeys, authorizeEvent, Errors, stateKeyOf, type PDU, type RoomEvent, type RoomVersion, type StateLookup } from '@lattice/core';
import { eventReference, type RoomStore } from '@lattice/rooms';
import type { Queryable } from '@lattice/storage';

/** The spec allows 20 prev_events; the deepest few are enough. */
const MAX_PREV_EVENTS = 10;

export interface TemplateInput {
  roomId: string;
  version: RoomVersion;
  type: string;
  stateKey: string;
  sender: string;
  content: Record<string, unknown>;
  origin: string;
  now: number;
}

/** The current state as a lookup of events (only the entries the auth rules read are loaded). */
export async function currentStateLookup(store: RoomStore, roomId: string): Promise<StateLookup> {
  const events = await store.currentStateEvents(roomId);
  const byKey = new Map(events.map((e) => [stateKeyOf(e.event.type, e.event.state_key!), e.event]));
  return (type, stateKey) => byKey.get(stateKeyOf(type, stateKey));
}

/** The template, refused with 403 when the membership would not pass the auth rules against the current state. */
export async function membershipTemplate(db: Queryable, store: RoomStore, input: TemplateInput): Promise<PDU> {
  const { roomId, version } = input;
  const lookup = await currentStateLookup(store, roomId);
  const draft = { type: input.type, state_key: input.stateKey, sender: input.sender, content: input.content };
  const authEvents = authEventKeys(draft, version).flatMap(([t, k]) => lookup(t, k) ?? []);
  const { rows } = await db.query<{ event_id: string }>('SELECT event_id FROM event_forward_extremities WHERE room_id = $1', [roomId]);
  const prevs = [...(await store.getEvents(rows.map((r) => r.event_id))).values()]
    .map((s) => s.event)
    .sort((a, b) => b.depth - a.depth)
    .slice(0, MAX_PREV_EVENTS);
  const depth = prevs.reduce((d, e) => Math.max(d, e.depth), 0) + 1;
  const template: PDU = {
    room_id: roomId,
    type: input.type,
    state_key: input.stateKey,
    sender: input.sender,
    content: input.content,
    origin: input.origin,
    origin_server_ts: input.now,
    depth,
    prev_events: prevs.map((e) => eventReference(e, version)),
    auth_events: authEvents.map((e) => eventReference(e, version)),
    hashes: { sha256: '' },
    signatures: {},
  };
  // Checked as it will be once signed: by the sender's server and, for a restricted join, by us
  // (the auth rules only look for the authorising server's signature; it is verified on receipt).
  const signatures = { [input.origin]: { 'ed25519:template': '' } };
  const decision = authorizeEvent({ ...template, signatures, event_id: '$template' } as RoomEvent, lookup, version);
  if (!decision.ok) throw Errors.forbidden(decision.reason);
  const { hashes: _h, signatures: _s, ...rest } = template;
  return rest as PDU;
}
