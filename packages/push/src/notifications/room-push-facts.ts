/**
 * What evaluating an event for a room's members needs about the room, cached per
 * room: the joined local members (with their display names in the room), the
 * joined members, and the create and power levels events the sender's power and
 * the notification levels come from.
 *
 * The persisted-events hook applies its batch's membership changes to the
 * cached entry itself (a join to a room of 10,000 must not reload 10,000
 * members) and drops the entry for any other state change; state written by
 * other instances drops the entry when its stream row arrives.
 */
import { effectivePowerLevels, userPowerLevel, type RoomEvent, type RoomVersion, type StateLookup } from '@lattice/core';
import type { EventStreamRow } from '@lattice/replication';
import { Lru, type RoomStore } from '@lattice/rooms';

export interface RoomPushFacts {
  /** Joined local members, aligned with displayNames. */
  readonly localMembers: readonly string[];
  readonly displayNames: ReadonlyArray<string | undefined>;
  /** Every joined member, local or not. */
  readonly joined: ReadonlySet<string>;
  readonly notificationPowerLevels: ReadonlyMap<string, number>;
  senderPowerLevel(sender: string): number;
}

export interface EventsUpdates {
  onUpdate(stream: 'events', handler: (update: { instance: string; rows: EventStreamRow[] }) => void): () => void;
}

export class RoomPushFactsCache {
  private readonly rooms: Lru<string, Promise<RoomPushFacts | undefined>>;
  private readonly unsubscribe: () => void;
  private readonly localSuffix: string;

  constructor(
    private readonly store: RoomStore,
    updates: EventsUpdates,
    serverName: string,
    /** This process's events writer: its own rows went through applyBatch already. */
    ownInstance: string,
    capacity = 2_000,
  ) {
    this.rooms = new Lru(capacity);
    this.localSuffix = `:${serverName}`;
    this.unsubscribe = updates.onUpdate('events', (update) => {
      if (update.instance === ownInstance) return;
      for (const row of update.rows) if (row.state_key !== null) this.rooms.delete(row.room_id);
    });
  }

  close(): void {
    this.unsubscribe();
  }

  isLocal(userId: string): boolean {
    return userId.endsWith(this.localSuffix);
  }

  /** Undefined for a room this server does not know. */
  factsOf(roomId: string): Promise<RoomPushFacts | undefined> {
    let facts = this.rooms.get(roomId);
    if (!facts) {
      facts = this.load(roomId);
      this.rooms.set(roomId, facts);
      facts.catch(() => this.rooms.delete(roomId));
    }
    return facts;
  }

  /** Brings cached entries up to date with a committed batch's state events (in order). */
  async applyBatch(events: readonly RoomEvent[]): Promise<void> {
    for (const event of events) {
      if (event.state_key === undefined) continue;
      const cached = this.rooms.get(event.room_id);
      if (!cached) continue;
      const facts = event.type === 'm.room.member' ? await cached.catch(() => undefined) : undefined;
      if (facts) this.rooms.set(event.room_id, Promise.resolve(this.withMembership(facts, event)));
      else this.rooms.delete(event.room_id);
    }
  }

  private withMembership(facts: RoomPushFacts, event: RoomEvent): RoomPushFacts {
    const userId = event.state_key!;
    const joins = event.content['membership'] === 'join';
    const joined = new Set(facts.joined);
    if (joins) joined.add(userId);
    else joined.delete(userId);
    let { localMembers, displayNames } = facts;
    if (this.isLocal(userId)) {
      const at = localMembers.indexOf(userId);
      const members = [...localMembers];
      const names = [...displayNames];
      if (at >= 0) {
        members.splice(at, 1);
        names.splice(at, 1);
      }
      if (joins) {
        const name = event.content['displayname'];
        members.push(userId);
        names.push(typeof name === 'string' ? name : undefined);
      }
      localMembers = members;
      displayNames = names;
    }
    return { ...facts, localMembers, displayNames, joined };
  }

  private async load(roomId: string): Promise<RoomPushFacts | undefined> {
    const [version, members, create, powerLevels] = await Promise.all([
      this.store.roomVersion(roomId),
      this.store.joinedMembers(roomId),
      this.store.currentStateEvent(roomId, 'm.room.create', ''),
      this.store.currentStateEvent(roomId, 'm.room.power_levels', ''),
    ]);
    if (!version) return undefined;
    const localMembers: string[] = [];
    const displayNames: Array<string | undefined> = [];
    for (const [userId, profile] of members) {
      if (!this.isLocal(userId)) continue;
      localMembers.push(userId);
      displayNames.push(profile.displayname);
    }
    const lookup: StateLookup = (type, stateKey) =>
      stateKey !== '' ? undefined : type === 'm.room.create' ? create?.event : type === 'm.room.power_levels' ? powerLevels?.event : undefined;
    return {
      localMembers,
      displayNames,
      joined: new Set(members.keys()),
      notificationPowerLevels: effectivePowerLevels(lookup, version).notifications,
      senderPowerLevel: powerOf(lookup, version),
    };
  }
}

function powerOf(lookup: StateLookup, version: RoomVersion): (sender: string) => number {
  const levels = new Map<string, number>();
  return (sender) => {
    let level = levels.get(sender);
    if (level === undefined) levels.set(sender, (level = userPowerLevel(sender, lookup, version)));
    return level;
  };
}
