export * from './types.js';
export { defaultPushRules, LEGACY_MENTION_RULE_IDS, type DefaultPushRuleOptions } from './default-rules.js';
export { mergeUserPushRules, pushRuleKey } from './merge-rules.js';
export { NO_MATCH, stripHistoricalActions, type PushResult } from './actions.js';
export { parsePropertyPath, escapePropertyName, canonicalPropertyPath } from './property-path.js';
export { PushEvent, preparePushEvent, type PushEventInput, type FlatValue } from './push-event.js';
export { compilePushRules, compilePushRuleSet, CompiledPushRules, type PushEvaluator, type PushRoomContext, type PushUserContext } from './evaluator.js';
export {
  validatePushRuleScopeAndKind,
  validateUserRuleId,
  validatePushActions,
  validatePushCondition,
  validateUserPushRule,
  validatePushRuleEnabled,
} from './validate-rule.js';
