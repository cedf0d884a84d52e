/**
 * Push rule evaluation of every new event for every joined local member of its
 * room (plus a local invitee), the hot path of large rooms. Per event: the event
 * is flattened once, each member's cached compiled rules decide, and the outcome
 * most members share is stored once (event_push_outcomes) with a row only for the
 * members whose outcome differs (event_push_exceptions), so storing costs O(1 +
 * exceptions) rather than O(members). Unread counts and /notifications read them.
 */
import { NO_MATCH, preparePushEvent, type CompiledPushRules, type PushEventInput, type PushResult, type PushRoomContext, type RoomEvent } from '@lattice/core';
import { GroupCommit, type SendResult } from '@lattice/rooms';
import type { Database } from '@lattice/storage';
import { threadOf } from '@lattice/sync';
import type { CompiledRulesCache } from '../rules/compiled-rules-cache.js';
import type { RoomPushFacts, RoomPushFactsCache } from './room-push-facts.js';

/** One event's outcome for the local users it was evaluated for: `results[i]` is `users[i]`'s. */
export interface EventNotifications {
  event: RoomEvent;
  streamOrdering: number;
  users: readonly string[];
  results: readonly PushResult[];
}

/** The users `n` notifies. */
export function notifiedUsers(n: EventNotifications): string[] {
  const out: string[] = [];
  for (let i = 0; i < n.users.length; i++) if (n.results[i]!.notify) out.push(n.users[i]!);
  return out;
}

/** Results that store alike: every non-notifying result is the same to readers. */
const outcomeKeys = new WeakMap<PushResult, string>();
function outcomeKey(result: PushResult): string {
  if (!result.notify) return '';
  let key = outcomeKeys.get(result);
  if (key === undefined) outcomeKeys.set(result, (key = `${result.highlight}\u0000${JSON.stringify(result.actions)}`));
  return key;
}

/** Rows of one batch, written in two statements. */
class OutcomeRows {
  readonly outcomes = { room: [] as string[], ordering: [] as number[], eventId: [] as string[], sender: [] as string[], thread: [] as string[], notify: [] as boolean[], highlight: [] as boolean[], actions: [] as string[] };
  readonly exceptions = { user: [] as string[], room: [] as string[], ordering: [] as number[], notify: [] as boolean[], highlight: [] as boolean[], actions: [] as string[] };

  addOutcome(event: RoomEvent, ordering: number, shared: PushResult): void {
    const o = this.outcomes;
    o.room.push(event.room_id);
    o.ordering.push(ordering);
    o.eventId.push(event.event_id);
    o.sender.push(event.sender);
    o.thread.push(threadOf(event.content));
    o.notify.push(shared.notify);
    o.highlight.push(shared.notify && shared.highlight);
    o.actions.push(JSON.stringify(shared.notify ? shared.actions : []));
  }

  addException(userId: string, event: RoomEvent, ordering: number, result: PushResult): void {
    const x = this.exceptions;
    x.user.push(userId);
    x.room.push(event.room_id);
    x.ordering.push(ordering);
    x.notify.push(result.notify);
    x.highlight.push(result.notify && result.highlight);
    x.actions.push(JSON.stringify(result.notify ? result.actions : []));
  }

  /** Appends another batch's rows (group commit of concurrent batches). */
  absorb(other: OutcomeRows): void {
    for (const key of Object.keys(this.outcomes) as Array<keyof OutcomeRows['outcomes']>) (this.outcomes[key] as unknown[]).push(...other.outcomes[key]);
    for (const key of Object.keys(this.exceptions) as Array<keyof OutcomeRows['exceptions']>) (this.exceptions[key] as unknown[]).push(...other.exceptions[key]);
  }

  /** One statement (atomic on its own, one round trip): the outcomes, then the exceptions. */
  async write(db: Database, ts: number): Promise<void> {
    const o = this.outcomes;
    const x = this.exceptions;
    if (o.room.length === 0) return;
    await db.query(
      `WITH outcomes AS (
         INSERT INTO event_push_outcomes (room_id, stream_ordering, event_id, sender, thread_id, notify, highlight, actions, ts)
         SELECT r, s, e, u, t, n, h, a, $9 FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::boolean[], $8::text[])
           AS v (r, s, e, u, t, n, h, a)
         ON CONFLICT DO NOTHING)
       INSERT INTO event_push_exceptions (user_id, room_id, stream_ordering, notify, highlight, actions)
       SELECT * FROM unnest($10::text[], $11::text[], $12::bigint[], $13::boolean[], $14::boolean[], $15::text[])
       ON CONFLICT DO NOTHING`,
      [o.room, o.ordering, o.eventId, o.sender, o.thread, o.notify, o.highlight, o.actions, ts, x.user, x.room, x.ordering, x.notify, x.highlight, x.actions],
    );
  }
}

export class NotificationFanout {
  /** Each room's members' compiled rules, aligned with facts.localMembers, per rules-cache generation. */
  private readonly memberRules = new WeakMap<RoomPushFacts, { generation: number; rules: CompiledPushRules[] }>();
  /** The rows of batches persisted at the same time (other rooms' sends) share one statement. */
  private readonly writes: GroupCommit<OutcomeRows, void>;

  constructor(
    private readonly db: Database,
    private readonly facts: RoomPushFactsCache,
    private readonly rules: CompiledRulesCache,
    private readonly clock: () => number = Date.now,
  ) {
    this.writes = new GroupCommit<OutcomeRows, void>({
      write: async (items) => {
        const all = new OutcomeRows();
        for (const rows of items) all.absorb(rows);
        await all.write(this.db, this.clock());
        return items.map(() => undefined);
      },
      maxInFlight: 2,
      maxGroup: 200,
    });
  }

  /** Evaluates and stores a committed batch; returns the outcomes of the events that notify someone. */
  async process(events: readonly SendResult[]): Promise<EventNotifications[]> {
    await this.facts.applyBatch(events.map((e) => e.event));
    const rows = new OutcomeRows();
    const out: EventNotifications[] = [];
    for (const { event, streamOrdering } of events) {
      const facts = await this.facts.factsOf(event.room_id);
      if (!facts) continue;
      const evaluated = await this.evaluate(event, streamOrdering, facts, rows);
      if (evaluated) out.push(evaluated);
    }
    if (rows.outcomes.room.length > 0) await this.writes.submit(rows);
    return out;
  }

  private async rulesOf(facts: RoomPushFacts): Promise<CompiledPushRules[]> {
    const cached = this.memberRules.get(facts);
    if (cached && cached.generation === this.rules.generation) return cached.rules;
    const generation = this.rules.generation;
    const byUser = await this.rules.rulesFor(facts.localMembers);
    const rules = facts.localMembers.map((userId) => byUser.get(userId)!);
    this.memberRules.set(facts, { generation, rules });
    return rules;
  }

  private async evaluate(event: RoomEvent, ordering: number, facts: RoomPushFacts, rows: OutcomeRows): Promise<EventNotifications | undefined> {
    const members = facts.localMembers;
    const rules = await this.rulesOf(facts);
    const pushEvent = preparePushEvent(event as unknown as PushEventInput);
    const room: PushRoomContext = {
      memberCount: facts.joined.size,
      senderPowerLevel: facts.senderPowerLevel(event.sender),
      notificationPowerLevels: facts.notificationPowerLevels,
    };
    // A local user invited by this event is not a member yet, but its rules apply (invite_for_me).
    const invitee = this.localInvitee(event, facts);
    const users = invitee === undefined ? members : [...members, invitee];
    const inviteeRules = invitee === undefined ? undefined : (await this.rules.rulesFor([invitee])).get(invitee)!;

    // Members share a handful of result objects (rules are shared): count them by identity.
    const results = new Array<PushResult>(users.length);
    const groups = new Map<PushResult, { result: PushResult; count: number }>();
    let last: { result: PushResult; count: number } | undefined;
    for (let i = 0; i < users.length; i++) {
      if (users[i] === event.sender) {
        results[i] = NO_MATCH; // never counted: readers skip one's own events
        continue;
      }
      const result = i < members.length ? rules[i]!.evaluate(pushEvent, room, facts.displayNames[i]) : inviteeRules!.evaluate(pushEvent, room);
      results[i] = result;
      if (last === undefined || last.result !== result) {
        last = groups.get(result);
        if (last === undefined) groups.set(result, (last = { result, count: 0 }));
      }
      last.count++;
    }

    // The outcome most members got is stored once; members with another one get a row each.
    const byKey = new Map<string, { result: PushResult; count: number }>();
    let anyNotifies = false;
    for (const group of groups.values()) {
      if (group.result.notify) anyNotifies = true;
      const key = outcomeKey(group.result);
      const merged = byKey.get(key);
      if (merged) merged.count += group.count;
      else byKey.set(key, { result: group.result, count: group.count });
    }
    if (!anyNotifies) return undefined;
    let shared: { result: PushResult; count: number } = { result: NO_MATCH, count: -1 };
    for (const group of byKey.values()) if (group.count > shared.count) shared = group;
    const sharedKey = outcomeKey(shared.result);
    rows.addOutcome(event, ordering, shared.result);
    for (let i = 0; i < users.length; i++) {
      const result = results[i]!;
      if (result === shared.result || users[i] === event.sender) continue;
      if (outcomeKey(result) !== sharedKey) rows.addException(users[i]!, event, ordering, result);
    }
    return { event, streamOrdering: ordering, users, results };
  }

  private localInvitee(event: RoomEvent, facts: RoomPushFacts): string | undefined {
    if (event.type !== 'm.room.member' || event.content['membership'] !== 'invite') return undefined;
    const invitee = event.state_key;
    if (invitee === undefined || !this.facts.isLocal(invitee) || facts.joined.has(invitee)) return undefined;
    return invitee;
  }
}
