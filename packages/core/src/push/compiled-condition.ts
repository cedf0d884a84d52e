import { GlobMatcher, wordGlobMatcher, type WordMatcher } from './glob.js';
import { InternTable } from './intern-table.js';
import { parseMemberCount, type MemberCountTest } from './member-count.js';
import { canonicalPropertyPath } from './property-path.js';
import { isPushScalar, type PushCondition, type PushRule, type PushRuleKind, type PushScalar } from './types.js';

// Condition operations; numbers so the evaluation loop is one monomorphic switch.
export const OP_MATCH = 0; // event_match on a flattened key: whole value
export const OP_MATCH_TYPE = 1; // event_match on `type`: read from the event, not the map
export const OP_MATCH_BODY = 2; // event_match on content.body, content rules: word boundaries
export const OP_MATCH_SELF = 3; // event_match whose pattern is the user's own id
export const OP_IS = 4;
export const OP_IS_SELF = 5;
export const OP_CONTAINS = 6;
export const OP_CONTAINS_SELF = 7;
export const OP_MEMBER_COUNT = 8;
export const OP_SENDER_PERMISSION = 9;
export const OP_DISPLAY_NAME = 10;
export const OP_ROOM_IS = 11; // room rules
export const OP_SENDER_IS = 12; // sender rules

/**
 * A condition ready to evaluate. Conditions naming the evaluating user (invite_for_me's
 * state_key, is_user_mention's user id) compile to *_SELF operations that read the user
 * from the evaluator, so the same compiled rule serves every user.
 */
export class CompiledCondition {
  constructor(
    readonly op: number,
    /** Canonical property path, notification key, or room/user id (room and sender rules). */
    readonly key: string,
    readonly glob: GlobMatcher | undefined,
    readonly word: WordMatcher | undefined,
    readonly value: PushScalar,
    readonly count: MemberCountTest | undefined,
    /** Equal signatures mean equal behaviour (for interning rules). */
    readonly signature: string,
  ) {}

  /** Whether the outcome depends on the evaluating user (their id or display name), not only on the event and room. */
  get perUser(): boolean {
    switch (this.op) {
      case OP_MATCH_SELF:
      case OP_IS_SELF:
      case OP_CONTAINS_SELF:
      case OP_DISPLAY_NAME:
        return true;
      default:
        return false;
    }
  }

  /** Cheapest first: a rule's conditions all have to hold, so their order is free. */
  get cost(): number {
    switch (this.op) {
      case OP_MEMBER_COUNT:
      case OP_ROOM_IS:
      case OP_SENDER_IS:
      case OP_MATCH_TYPE:
        return 0;
      case OP_MATCH_BODY:
      case OP_DISPLAY_NAME:
        return 2;
      default:
        return 1;
    }
  }
}

const globs = new InternTable<GlobMatcher>(20_000);
const words = new InternTable<WordMatcher>(20_000);
const paths = new InternTable<string>(20_000);
const canonicalPath = (key: string) => paths.get(key, () => canonicalPropertyPath(key));

interface Parts {
  glob?: GlobMatcher;
  word?: WordMatcher;
  value?: PushScalar;
  count?: MemberCountTest;
  detail?: string;
}

function condition(op: number, key: string, parts: Parts = {}): CompiledCondition {
  return new CompiledCondition(
    op,
    key,
    parts.glob,
    parts.word,
    parts.value ?? null,
    parts.count,
    `${op}\u0000${key}\u0000${parts.detail ?? ''}`,
  );
}

const BODY_PATH = 'content.body';

function bodyMatch(pattern: string): CompiledCondition {
  return condition(OP_MATCH_BODY, BODY_PATH, { word: words.get(pattern, () => wordGlobMatcher(pattern)), detail: pattern });
}

/** Undefined when the condition can never match (unrecognised kind or bad parameters). */
function compileCondition(c: PushCondition, userId: string): CompiledCondition | undefined {
  const p = c as Record<string, unknown>;
  switch (c.kind) {
    case 'event_match': {
      if (typeof p.key !== 'string' || typeof p.pattern !== 'string') return undefined;
      const key = canonicalPath(p.key);
      const pattern = p.pattern;
      if (key === BODY_PATH) return bodyMatch(pattern);
      // A user id is matched literally (it has no wildcards unless historical).
      if (pattern === userId && !/[*?]/.test(pattern)) return condition(OP_MATCH_SELF, key);
      const glob = globs.get(pattern, () => new GlobMatcher(pattern));
      return condition(key === 'type' ? OP_MATCH_TYPE : OP_MATCH, key, { glob, detail: pattern });
    }
    case 'event_property_is':
    case 'event_property_contains': {
      if (typeof p.key !== 'string' || !isPushScalar(p.value)) return undefined;
      const key = canonicalPath(p.key);
      const self = p.value === userId;
      const op = c.kind === 'event_property_is' ? (self ? OP_IS_SELF : OP_IS) : self ? OP_CONTAINS_SELF : OP_CONTAINS;
      return self ? condition(op, key) : condition(op, key, { value: p.value, detail: JSON.stringify(p.value) });
    }
    case 'contains_display_name':
      return condition(OP_DISPLAY_NAME, '');
    case 'room_member_count': {
      const count = parseMemberCount(p.is);
      return count === undefined ? undefined : condition(OP_MEMBER_COUNT, '', { count, detail: `${count.op}${count.count}` });
    }
    case 'sender_notification_permission':
      return typeof p.key === 'string' ? condition(OP_SENDER_PERMISSION, p.key) : undefined;
    default:
      return undefined; // push.md: unrecognised conditions MUST NOT match any events
  }
}

/** The rule's conditions (cheapest first), or undefined when it can never match. */
export function compileRuleConditions(kind: PushRuleKind, rule: PushRule, userId: string): CompiledCondition[] | undefined {
  switch (kind) {
    case 'override':
    case 'underride': {
      const out: CompiledCondition[] = [];
      for (const c of rule.conditions ?? []) {
        const compiled = compileCondition(c, userId);
        if (compiled === undefined) return undefined;
        out.push(compiled);
      }
      return out.sort((a, b) => a.cost - b.cost);
    }
    case 'content':
      return typeof rule.pattern === 'string' ? [bodyMatch(rule.pattern)] : undefined;
    case 'room':
      return [condition(OP_ROOM_IS, rule.rule_id)];
    case 'sender':
      return [condition(OP_SENDER_IS, rule.rule_id)];
  }
}
