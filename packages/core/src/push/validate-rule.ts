import { Errors } from '../errors.js';
import { isHistoricalAction } from './actions.js';
import { parseMemberCount } from './member-count.js';
import { isPushRuleKind, isPushScalar, type PushAction, type PushCondition, type PushRule, type PushRuleKind } from './types.js';

/**
 * Validation of the Push Rules API input (data/api/client-server/pushrules.yaml).
 * Path parameters that are wrong → 400 M_INVALID_PARAM; request bodies that are valid
 * JSON but malformed (missing keys, invalid values) → 400 M_BAD_JSON.
 */

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{scope}` and `{kind}` of `/pushrules/{scope}/{kind}/{ruleId}`: only `global` exists. */
export function validatePushRuleScopeAndKind(scope: string, kind: string): PushRuleKind {
  if (scope !== 'global') throw Errors.invalidParam(`Unknown push rule scope: ${scope}`);
  if (!isPushRuleKind(kind)) throw Errors.invalidParam(`Unknown push rule kind: ${kind}`);
  return kind;
}

/** A rule id a user may create (PUT): ids starting with "." are reserved for
 *  server-default rules, "/" and "\" are forbidden, room and sender rules are named
 *  after the room or user they apply to. */
export function validateUserRuleId(kind: PushRuleKind, ruleId: string): void {
  if (ruleId === '') throw Errors.invalidParam('rule_id must not be empty');
  if (ruleId.startsWith('.')) throw Errors.invalidParam('rule_ids starting with "." are reserved for server-default rules');
  if (ruleId.includes('/') || ruleId.includes('\\')) throw Errors.invalidParam('rule_id must not contain "/" or "\\"');
  if (kind === 'room' && !ruleId.startsWith('!')) throw Errors.invalidParam('The rule_id of a room rule must be a room ID');
  if (kind === 'sender' && !(ruleId.startsWith('@') && ruleId.includes(':'))) {
    throw Errors.invalidParam('The rule_id of a sender rule must be a user ID');
  }
}

/** Validates an actions array and strips the historical actions (dont_notify, coalesce). */
export function validatePushActions(actions: unknown): PushAction[] {
  if (!Array.isArray(actions)) throw Errors.badJson('"actions" must be an array');
  const out: PushAction[] = [];
  for (const action of actions) {
    if (typeof action === 'string') {
      if (isHistoricalAction(action)) continue;
      if (action !== 'notify') throw Errors.badJson(`Unrecognised action: ${action}`);
      out.push(action);
    } else if (isObject(action) && typeof action.set_tweak === 'string') {
      if (action.set_tweak === 'highlight' && 'value' in action && typeof action.value !== 'boolean') {
        throw Errors.badJson('The value of the highlight tweak must be a boolean');
      }
      if (action.set_tweak === 'sound' && typeof action.value !== 'string') {
        throw Errors.badJson('The value of the sound tweak must be a string');
      }
      out.push(action as PushAction);
    } else {
      throw Errors.badJson(`Unrecognised action: ${JSON.stringify(action)}`);
    }
  }
  return out;
}

function requireString(c: Record<string, unknown>, param: string): void {
  if (typeof c[param] !== 'string') throw Errors.badJson(`${String(c.kind)} condition requires a string "${param}"`);
}

/** Known condition kinds must carry their parameters; unrecognised kinds are accepted
 *  (the spec makes them never match rather than invalid). */
export function validatePushCondition(condition: unknown): PushCondition {
  if (!isObject(condition) || typeof condition.kind !== 'string') {
    throw Errors.badJson('Each condition must be an object with a string "kind"');
  }
  switch (condition.kind) {
    case 'event_match':
      requireString(condition, 'key');
      requireString(condition, 'pattern');
      break;
    case 'event_property_is':
    case 'event_property_contains':
      requireString(condition, 'key');
      if (!('value' in condition) || !isPushScalar(condition.value)) {
        throw Errors.badJson(`${condition.kind} condition requires a "value" that is a string, integer, boolean or null`);
      }
      break;
    case 'room_member_count':
      if (parseMemberCount(condition.is) === undefined) {
        throw Errors.badJson('room_member_count condition requires "is": an integer optionally prefixed by ==, <, >, <= or >=');
      }
      break;
    case 'sender_notification_permission':
      requireString(condition, 'key');
      break;
  }
  return condition as PushCondition;
}

/**
 * The body of `PUT /pushrules/global/{kind}/{ruleId}` as a new user rule (enabled, per
 * the spec "When creating push rules, they MUST be enabled by default"); only the keys
 * that belong to the kind are kept.
 */
export function validateUserPushRule(kind: PushRuleKind, ruleId: string, body: unknown): PushRule {
  validateUserRuleId(kind, ruleId);
  if (!isObject(body)) throw Errors.badJson('The push rule must be a JSON object');
  if (!('actions' in body)) throw Errors.badJson('Missing "actions"');
  const rule: PushRule = { rule_id: ruleId, default: false, enabled: true, actions: validatePushActions(body.actions) };
  switch (kind) {
    case 'override':
    case 'underride': {
      const conditions = body.conditions ?? [];
      if (!Array.isArray(conditions)) throw Errors.badJson('"conditions" must be an array');
      rule.conditions = conditions.map(validatePushCondition);
      break;
    }
    case 'content':
      if (typeof body.pattern !== 'string') throw Errors.badJson('A content rule requires a string "pattern"');
      rule.pattern = body.pattern;
      break;
    case 'room':
    case 'sender':
      break; // the rule_id is the condition
  }
  return rule;
}

/** The body of `PUT …/{ruleId}/enabled`. */
export function validatePushRuleEnabled(body: unknown): boolean {
  if (!isObject(body) || typeof body.enabled !== 'boolean') throw Errors.badJson('"enabled" must be a boolean');
  return body.enabled;
}
