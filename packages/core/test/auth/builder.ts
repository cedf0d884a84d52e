/** A small builder of rooms and RoomEvents for the auth rule tests. Event ids are
 *  synthetic; hashes and signatures play no part in the rules (except the
 *  presence of a signing server for restricted joins). */
import type { RoomEvent } from '../../src/events/pdu.js';
import { getRoomVersion, type RoomVersion } from '../../src/room-versions.js';
import { authorizeEvent } from '../../src/auth/authorize.js';
import type { AuthDecision, AuthOptions, StateLookup } from '../../src/auth/types.js';

export const ALICE = '@alice:a.example';
export const BOB = '@bob:b.example';
export const CAROL = '@carol:c.example';
export const DAVE = '@dave:a.example';

export const ALL_VERSIONS: RoomVersion[] = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'].map(
  (id) => getRoomVersion(id)!,
);
export const v = (id: string): RoomVersion => getRoomVersion(id)!;
export const versionsWhere = (pred: (r: RoomVersion) => boolean): RoomVersion[] => ALL_VERSIONS.filter(pred);

let counter = 0;

export interface EventSpec {
  type: string;
  sender: string;
  state_key?: string;
  content?: Record<string, unknown>;
  prev_events?: string[];
  auth_events?: string[];
  room_id?: string;
  event_id?: string;
  redacts?: string;
  signatures?: Record<string, Record<string, string>>;
}

/** A RoomEvent signed (nominally) by its sender's server. */
export function makeEvent(spec: EventSpec): RoomEvent {
  const server = spec.sender.slice(spec.sender.indexOf(':') + 1);
  const event: RoomEvent = {
    event_id: spec.event_id ?? `$e${++counter}:${server}`,
    room_id: spec.room_id ?? '!room:a.example',
    type: spec.type,
    sender: spec.sender,
    content: spec.content ?? {},
    origin_server_ts: 1_700_000_000_000 + counter,
    depth: counter,
    prev_events: spec.prev_events ?? [`$prev${counter}:a.example`],
    auth_events: spec.auth_events ?? [],
    hashes: { sha256: 'x' },
    signatures: spec.signatures ?? { [server]: { 'ed25519:a': 'sig' } },
  };
  if (spec.state_key !== undefined) event.state_key = spec.state_key;
  if (spec.redacts !== undefined) event.redacts = spec.redacts;
  return event;
}

/** The create event of a room: room id on the creator's server (v1–11) or derived from the
 *  event id (v12). */
export function makeCreate(version: RoomVersion, sender = ALICE, content: Record<string, unknown> = {}): RoomEvent {
  const id = ++counter;
  const eventId = version.roomIdFromCreateEvent ? `$create${id}` : `$create${id}:a.example`;
  const roomId = version.roomIdFromCreateEvent ? `!create${id}` : `!room${id}:${sender.slice(sender.indexOf(':') + 1)}`;
  const base: Record<string, unknown> = { room_version: version.id };
  if (!version.implicitRoomCreator) base['creator'] = sender;
  return makeEvent({
    type: 'm.room.create',
    state_key: '',
    sender,
    content: { ...base, ...content },
    prev_events: [],
    event_id: eventId,
    room_id: roomId,
  });
}

/** A room's state, built up event by event, with the auth check against it. */
export class Room {
  readonly state = new Map<string, RoomEvent>();
  readonly create: RoomEvent;
  readonly lookup: StateLookup = (type, stateKey) => this.state.get(`${type}\u0000${stateKey}`);

  constructor(
    readonly version: RoomVersion,
    creator = ALICE,
    createContent: Record<string, unknown> = {},
  ) {
    this.create = makeCreate(version, creator, createContent);
    this.put(this.create);
  }

  get roomId(): string {
    return this.create.room_id;
  }

  /** An event in this room (not added to the state). */
  event(spec: EventSpec): RoomEvent {
    return makeEvent({ room_id: this.roomId, ...spec });
  }

  put(event: RoomEvent): this {
    this.state.set(`${event.type}\u0000${event.state_key}`, event);
    return this;
  }

  /** Sets a user's membership in the state (sent by the user unless `sender` says otherwise). */
  member(userId: string, membership: string, sender = userId, extra: Record<string, unknown> = {}): this {
    return this.put(this.event({ type: 'm.room.member', state_key: userId, sender, content: { membership, ...extra } }));
  }

  powerLevels(content: Record<string, unknown>, sender = this.create.sender): this {
    return this.put(this.event({ type: 'm.room.power_levels', state_key: '', sender, content }));
  }

  joinRule(rule: string, extra: Record<string, unknown> = {}): this {
    return this.put(
      this.event({ type: 'm.room.join_rules', state_key: '', sender: this.create.sender, content: { join_rule: rule, ...extra } }),
    );
  }

  check(spec: EventSpec | RoomEvent, options?: AuthOptions): AuthDecision {
    const event = 'event_id' in spec && 'hashes' in spec ? (spec as RoomEvent) : this.event(spec);
    return authorizeEvent(event, this.lookup, this.version, options);
  }

  /** A room with the creator joined and (optionally) the usual power levels. */
  static started(version: RoomVersion, powerLevels?: Record<string, unknown>): Room {
    const room = new Room(version);
    room.member(ALICE, 'join');
    if (powerLevels !== undefined) room.powerLevels(powerLevels);
    return room;
  }
}

/** Power levels in which ALICE (the creator) is 100 — except in v12, where creators are not listed. */
export function standardLevels(version: RoomVersion, users: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = version.privilegedCreators ? {} : { [ALICE]: 100 };
  return { users: { ...base, ...users }, users_default: 0, ban: 50, kick: 50, invite: 0, redact: 50, state_default: 50, events_default: 0 };
}

export function expectAllowed(d: AuthDecision): void {
  expect(d).toEqual({ ok: true });
}

export function expectRejected(d: AuthDecision, reason?: RegExp): void {
  expect(d.ok).toBe(false);
  if (reason !== undefined && !d.ok) expect(d.reason).toMatch(reason);
}
