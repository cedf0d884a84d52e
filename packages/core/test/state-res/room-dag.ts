/**
 * A small room DAG builder for state resolution tests. Events get synthetic ids
 * (`$NAME`, or `$NAME:example.org` in v1–2 rooms), prev_events as given, depth one
 * more than their deepest prev event, increasing origin_server_ts, and auth_events
 * chosen by the auth events selection from the state before them. The state before
 * an event with several prev_events is the resolution (code under test) of the states
 * after them, as the Matrix reference test suites do.
 */
import { authEventKeys } from '../../src/auth/auth-events.js';
import { authorizeEvent } from '../../src/auth/authorize.js';
import { stateKeyOf, type RoomEvent, type StateMap } from '../../src/events/pdu.js';
import type { RoomVersion } from '../../src/room-versions.js';
import { resolveState } from '../../src/state-res/resolve.js';

export const ALICE = '@alice:example.org';
export const BOB = '@bob:example.org';
export const CHARLIE = '@charlie:example.org';
export const EVELYN = '@evelyn:example.org';
export const ZARA = '@zara:example.org';

export interface EventSpec {
  type: string;
  sender: string;
  state_key?: string;
  content?: Record<string, unknown>;
  /** Names of the prev events; default: the event added last. */
  prev?: string[];
  /** Default: 1000 more than the previous event's. */
  ts?: number;
  /** Build the event even if the auth rules reject it against the state before it. */
  rejected?: boolean;
}

export class RoomDag {
  readonly events = new Map<string, RoomEvent>();
  private readonly stateAfter = new Map<string, StateMap>();
  private last: string | undefined;
  private clock = 0;
  private roomId: string;

  constructor(readonly version: RoomVersion) {
    this.roomId = version.roomIdFromCreateEvent ? '' : '!room:example.org';
  }

  readonly getEvent = (id: string): RoomEvent | undefined => this.events.get(id);

  id(name: string): string {
    return this.version.eventIdFormat === 'v1' ? `$${name}:example.org` : `$${name}`;
  }

  event(name: string): RoomEvent {
    const e = this.events.get(this.id(name));
    if (e === undefined) throw new Error(`no event ${name}`);
    return e;
  }

  /** The state after the named event (a copy). */
  state(name: string): StateMap {
    const s = this.stateAfter.get(this.id(name));
    if (s === undefined) throw new Error(`no event ${name}`);
    return new Map(s);
  }

  add(name: string, spec: EventSpec): RoomEvent {
    const id = this.id(name);
    if (this.events.has(id)) throw new Error(`duplicate event ${name}`);
    const prevIds = (spec.prev ?? (this.last === undefined ? [] : [this.last])).map((n) => this.id(n));
    const before = this.stateBefore(prevIds);
    if (spec.type === 'm.room.create' && this.version.roomIdFromCreateEvent) this.roomId = `!${id.slice(1)}`;
    const content = spec.content ?? {};
    const authIds: string[] = [];
    const subject = { type: spec.type, state_key: spec.state_key, sender: spec.sender, content };
    for (const [type, stateKey] of authEventKeys(subject, this.version)) {
      const authId = before.get(stateKeyOf(type, stateKey));
      if (authId !== undefined && !authIds.includes(authId)) authIds.push(authId);
    }
    this.clock = spec.ts ?? this.clock + 1000;
    const event: RoomEvent = {
      event_id: id,
      room_id: this.roomId,
      type: spec.type,
      sender: spec.sender,
      content,
      origin_server_ts: this.clock,
      depth: Math.max(0, ...prevIds.map((p) => this.events.get(p)!.depth)) + 1,
      prev_events: prevIds,
      auth_events: authIds,
      hashes: { sha256: 'unused' },
      signatures: {},
      ...(spec.state_key === undefined ? {} : { state_key: spec.state_key }),
    };
    this.events.set(id, event);
    // Scenarios must be real histories: every event is allowed by the state before it.
    const allowed = authorizeEvent(event, (t, k) => this.events.get(before.get(stateKeyOf(t, k)) ?? ''), this.version);
    if (!allowed.ok && !spec.rejected) throw new Error(`${name} is not allowed: ${allowed.reason}`);
    const after = new Map(before);
    if (spec.state_key !== undefined && allowed.ok) after.set(stateKeyOf(spec.type, spec.state_key), id);
    this.stateAfter.set(id, after);
    this.last = name;
    return event;
  }

  /** The resolution of the states after the named events (what an event citing them as
   *  prev_events would see). */
  resolve(names: string[]): StateMap {
    return this.stateBefore(names.map((n) => this.id(n)));
  }

  private stateBefore(prevIds: string[]): StateMap {
    const sets = prevIds.map((p) => this.stateAfter.get(p)!);
    if (sets.length === 0) return new Map();
    if (sets.length === 1) return new Map(sets[0]);
    return resolveState(this.version, sets, this.getEvent);
  }

  /** The event name holding (type, state_key) in a state, or undefined. */
  nameAt(state: StateMap, type: string, stateKey = ''): string | undefined {
    const id = state.get(stateKeyOf(type, stateKey));
    if (id === undefined) return undefined;
    return this.version.eventIdFormat === 'v1' ? id.slice(1, id.indexOf(':')) : id.slice(1);
  }
}

const member = (user: string, membership: string, sender = user): EventSpec => ({
  type: 'm.room.member',
  sender,
  state_key: user,
  content: { membership },
});

/** The initial room of the reference test suites: Alice creates a public room, Bob,
 *  Charlie and Zara join; then a START message. Alice has 100 (v12: she is the creator). */
export function initialRoom(version: RoomVersion): RoomDag {
  const dag = new RoomDag(version);
  dag.add('CREATE', {
    type: 'm.room.create',
    sender: ALICE,
    state_key: '',
    content: { room_version: version.id, ...(version.implicitRoomCreator ? {} : { creator: ALICE }) },
  });
  dag.add('IMA', member(ALICE, 'join'));
  dag.add('IPOWER', {
    type: 'm.room.power_levels',
    sender: ALICE,
    state_key: '',
    content: { users: version.privilegedCreators ? {} : { [ALICE]: 100 } },
  });
  dag.add('IJR', { type: 'm.room.join_rules', sender: ALICE, state_key: '', content: { join_rule: 'public' } });
  dag.add('IMB', member(BOB, 'join'));
  dag.add('IMC', member(CHARLIE, 'join'));
  dag.add('IMZ', member(ZARA, 'join'));
  dag.add('START', { type: 'm.room.message', sender: ZARA, content: { body: 'start' } });
  return dag;
}

export { member };

/** Power levels content: Alice at 100 unless she is a v12 creator (never listed). */
export function powerLevels(version: RoomVersion, users: Record<string, number>, extra: Record<string, unknown> = {}) {
  const listed = version.privilegedCreators ? users : { [ALICE]: 100, ...users };
  return { users: listed, ...extra };
}
