/**
 * Push rule shapes as they appear in the Client-Server API (`GET /pushrules/`,
 * the `m.push_rules` account data) — data/api/client-server/definitions/push_*.yaml.
 */

/** The kinds, in the order they are checked (spec: "Push Rules"). */
export const PUSH_RULE_KINDS = ['override', 'content', 'room', 'sender', 'underride'] as const;
export type PushRuleKind = (typeof PUSH_RULE_KINDS)[number];

/** A non-compound canonical JSON value, as used by event_property_is/contains. */
export type PushScalar = string | number | boolean | null;

export type PushCondition =
  | { kind: 'event_match'; key: string; pattern: string }
  | { kind: 'event_property_is'; key: string; value: PushScalar }
  | { kind: 'event_property_contains'; key: string; value: PushScalar }
  | { kind: 'contains_display_name' }
  | { kind: 'room_member_count'; is: string }
  | { kind: 'sender_notification_permission'; key: string }
  /** Unrecognised conditions are kept (they round-trip through the API) but never match. */
  | { kind: string; [param: string]: unknown };

/** `"notify"` or `{set_tweak, value?}`; unknown actions are passed through opaquely. */
export type PushTweakAction = { set_tweak: string; value?: unknown };
export type PushAction = string | PushTweakAction | Record<string, unknown>;

export interface PushRule {
  rule_id: string;
  default: boolean;
  enabled: boolean;
  actions: PushAction[];
  /** override and underride rules only. */
  conditions?: PushCondition[];
  /** content rules only. */
  pattern?: string;
}

/** One scope's rules (the spec only defines the `global` scope). */
export type PushRuleSet = Record<PushRuleKind, PushRule[]>;

export function emptyPushRuleSet(): PushRuleSet {
  return { override: [], content: [], room: [], sender: [], underride: [] };
}

export function isPushRuleKind(kind: unknown): kind is PushRuleKind {
  return typeof kind === 'string' && (PUSH_RULE_KINDS as readonly string[]).includes(kind);
}

/** Strings, integers in [-(2**53)+1, (2**53)-1], booleans and null (push.md "event_property_is"). */
export function isPushScalar(value: unknown): value is PushScalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isSafeInteger(value))
  );
}
