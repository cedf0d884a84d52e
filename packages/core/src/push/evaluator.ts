import { NO_MATCH, resultOfRule, type PushResult } from './actions.js';
import {
  OP_CONTAINS,
  OP_CONTAINS_SELF,
  OP_DISPLAY_NAME,
  OP_IS,
  OP_IS_SELF,
  OP_MATCH,
  OP_MATCH_BODY,
  OP_MATCH_SELF,
  OP_MATCH_TYPE,
  OP_MEMBER_COUNT,
  OP_ROOM_IS,
  OP_SENDER_IS,
  OP_SENDER_PERMISSION,
  compileRuleConditions,
  type CompiledCondition,
} from './compiled-condition.js';
import { LEGACY_MENTION_RULE_IDS } from './default-rules.js';
import { literalWordMatcher, type WordMatcher } from './glob.js';
import { InternTable } from './intern-table.js';
import { memberCountMatches } from './member-count.js';
import { PushEvent, type PushEventInput } from './push-event.js';
import { PUSH_RULE_KINDS, type PushRuleSet } from './types.js';

/** The evaluating user. */
export interface PushUserContext {
  userId: string;
  /** The user's display name, for contains_display_name (overridable per room at evaluation). */
  displayName?: string;
}

/** Facts about the room at the event, shared by every member it is evaluated for. */
export interface PushRoomContext {
  /** Joined members. */
  memberCount: number;
  senderPowerLevel: number;
  /** `content.notifications` of m.room.power_levels (`room` defaults to 50). */
  notificationPowerLevels: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
}

/**
 * Evaluates an event for one user: the first enabled matching rule decides. Pass a
 * PushEvent (preparePushEvent) when evaluating the same event for many users so that it
 * is flattened once. `displayName` is the user's name in this room when it differs from
 * the compiled one.
 */
export type PushEvaluator = (event: PushEvent | PushEventInput, room: PushRoomContext, displayName?: string) => PushResult;

/**
 * A compiled rule, shared by every user whose rule compiles alike. It remembers whether
 * its user-independent conditions held for the last (event, room) it saw: when one
 * event is evaluated for every member of a room, they are decided once, without any
 * allocation per member.
 */
class CompiledRule {
  private lastEvent: PushEvent | undefined;
  private lastRoom: PushRoomContext | undefined;
  private lastHeld = false;

  constructor(
    /** The conditions that only read the event and the room. */
    readonly shared: readonly CompiledCondition[],
    /** The conditions that read the evaluating user (their id, their display name). */
    readonly perUser: readonly CompiledCondition[],
    readonly result: PushResult,
    /** Legacy body-mention rule: skipped for events carrying `m.mentions`. */
    readonly legacyMention: boolean,
  ) {}

  /** What the shared conditions decided for this event and room, if this rule saw them last. */
  heldFor(ev: PushEvent, room: PushRoomContext): boolean | undefined {
    return ev === this.lastEvent && room === this.lastRoom ? this.lastHeld : undefined;
  }

  remember(ev: PushEvent, room: PushRoomContext, held: boolean): void {
    this.lastEvent = ev;
    this.lastRoom = room;
    this.lastHeld = held;
  }
}

function requiredNotificationLevel(levels: PushRoomContext['notificationPowerLevels'], key: string): number | undefined {
  const level = levels instanceof Map ? levels.get(key) : (levels as Readonly<Record<string, number>>)[key];
  if (typeof level === 'number') return level;
  // Only `room` has a default (m.room.power_levels schema); an unknown key grants nothing.
  return key === 'room' ? 50 : undefined;
}

function equalsIgnoringCase(value: string, literal: string): boolean {
  return value === literal || (value.length === literal.length && value.toLowerCase() === literal.toLowerCase());
}

/**
 * One user's compiled rules. Evaluation is a method on a shared class rather than a
 * closure per user: V8 keeps type feedback and optimised code per closure, so with
 * thousands of users per-user closures would each run cold.
 */
export class CompiledPushRules {
  private nameCached: string | undefined;
  private nameMatcher: WordMatcher | undefined;

  constructor(
    private readonly rules: readonly CompiledRule[],
    readonly userId: string,
    private readonly displayName: string | undefined,
  ) {}

  evaluate(event: PushEvent | PushEventInput, room: PushRoomContext, displayName?: string): PushResult {
    const ev = event instanceof PushEvent ? event : new PushEvent(event);
    // push.md: homeservers MUST NOT notify for events the user sent themselves.
    if (ev.sender === this.userId) return NO_MATCH;
    const name = displayName ?? this.displayName;
    const rules = this.rules;
    next: for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (rule.legacyMention && ev.hasMentions) continue;
      const shared = rule.shared;
      if (shared.length > 0) {
        let held = rule.heldFor(ev, room);
        if (held === undefined) {
          held = true;
          for (let j = 0; j < shared.length && held; j++) held = this.holds(shared[j]!, ev, room, name);
          rule.remember(ev, room, held);
        }
        if (!held) continue;
      }
      const perUser = rule.perUser;
      for (let j = 0; j < perUser.length; j++) {
        if (!this.holds(perUser[j]!, ev, room, name)) continue next;
      }
      return rule.result;
    }
    return NO_MATCH;
  }

  private holds(c: CompiledCondition, ev: PushEvent, room: PushRoomContext, displayName: string | undefined): boolean {
    switch (c.op) {
      case OP_MATCH_TYPE:
        return c.glob!.matches(ev.type);
      case OP_MATCH: {
        const v = ev.flat.get(c.key);
        return typeof v === 'string' && c.glob!.matches(v);
      }
      case OP_MATCH_SELF: {
        const v = ev.flat.get(c.key);
        return typeof v === 'string' && equalsIgnoringCase(v, this.userId);
      }
      case OP_MATCH_BODY:
        return ev.body !== undefined && c.word!.matches(ev.body, ev.foldedBody);
      case OP_IS:
        return ev.flat.get(c.key) === c.value; // c.value is never undefined
      case OP_IS_SELF:
        return ev.flat.get(c.key) === this.userId;
      case OP_CONTAINS: {
        const v = ev.flat.get(c.key);
        return Array.isArray(v) && v.includes(c.value);
      }
      case OP_CONTAINS_SELF: {
        const v = ev.flat.get(c.key);
        return Array.isArray(v) && v.includes(this.userId);
      }
      case OP_MEMBER_COUNT:
        return memberCountMatches(c.count!, room.memberCount);
      case OP_SENDER_PERMISSION: {
        const required = requiredNotificationLevel(room.notificationPowerLevels, c.key);
        return required !== undefined && room.senderPowerLevel >= required;
      }
      case OP_DISPLAY_NAME:
        return this.displayNameMatches(displayName, ev);
      case OP_ROOM_IS:
        return ev.roomId === c.key;
      case OP_SENDER_IS:
        return ev.sender === c.key;
      default:
        return false;
    }
  }

  /** A literal name at word boundaries; the matcher is rebuilt only when the name changes. */
  private displayNameMatches(name: string | undefined, ev: PushEvent): boolean {
    const body = ev.body;
    if (name === undefined || name === '' || body === undefined) return false;
    if (name !== this.nameCached) {
      this.nameCached = name;
      this.nameMatcher = literalWordMatcher(name);
    }
    return this.nameMatcher!.matches(body, ev.foldedBody);
  }
}

/** Compiled rules shared by every user whose rule compiles to the same thing (most of
 *  the defaults are identical for everyone once the user's own id is symbolic). */
const sharedRules = new InternTable<CompiledRule>(50_000);

/**
 * Compiles a user's effective rule set (mergeUserPushRules) once: globs become RegExps,
 * paths canonical, disabled rules and rules that can never match are dropped, and each
 * rule's result is precomputed, so evaluating allocates nothing beyond flattening an
 * event that was not prepared.
 */
export function compilePushRuleSet(rules: PushRuleSet, ctx: PushUserContext): CompiledPushRules {
  const compiled: CompiledRule[] = [];
  for (const kind of PUSH_RULE_KINDS) {
    for (const rule of rules[kind] ?? []) {
      if (!rule.enabled) continue;
      const conditions = compileRuleConditions(kind, rule, ctx.userId);
      if (conditions === undefined) continue;
      const actions = rule.actions ?? [];
      const signature = `${kind}\u0001${rule.rule_id}\u0001${JSON.stringify(actions)}\u0001${conditions.map((c) => c.signature).join('\u0002')}`;
      compiled.push(
        sharedRules.get(
          signature,
          () =>
            new CompiledRule(
              conditions.filter((c) => !c.perUser),
              conditions.filter((c) => c.perUser),
              resultOfRule(kind, rule.rule_id, actions),
              rule.rule_id.startsWith('.') && LEGACY_MENTION_RULE_IDS.has(rule.rule_id),
            ),
        ),
      );
    }
  }
  return new CompiledPushRules(compiled, ctx.userId, ctx.displayName);
}

/** compilePushRuleSet as a plain function (the method, bound). */
export function compilePushRules(rules: PushRuleSet, ctx: PushUserContext): PushEvaluator {
  const compiled = compilePushRuleSet(rules, ctx);
  return compiled.evaluate.bind(compiled);
}
