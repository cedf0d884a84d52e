import { PUSH_RULE_KINDS, type PushAction, type PushRule, type PushRuleKind, type PushRuleSet } from './types.js';

/** Key of a rule in the enabled/actions override maps: rule ids are unique within a kind
 *  only, and neither kind names nor user rule ids contain "/". */
export function pushRuleKey(kind: PushRuleKind, ruleId: string): string {
  return `${kind}/${ruleId}`;
}

const MASTER_RULE_ID = '.m.rule.master';

/**
 * The effective rule set of a user: per kind, the user-defined rules (in their stored
 * priority order) before the server-default rules, except that `.m.rule.master` stays
 * ahead of everything. Reference: spec v1.18 client-server-api modules/push.md,
 * "Predefined Rules": server-default rules "operate at a lower priority than
 * user-defined rules, except for the .m.rule.master rule which has always a higher
 * priority than any other rule".
 *
 * `enabledOverrides` and `actionsOverrides` (keyed by pushRuleKey) carry the user's
 * changes to any rule made through `PUT …/enabled` and `PUT …/actions`; the inputs are
 * not modified.
 */
export function mergeUserPushRules(
  defaults: PushRuleSet,
  userRules: Partial<Record<PushRuleKind, readonly PushRule[]>>,
  enabledOverrides: ReadonlyMap<string, boolean> = new Map(),
  actionsOverrides: ReadonlyMap<string, PushAction[]> = new Map(),
): PushRuleSet {
  const effective = (kind: PushRuleKind, rule: PushRule, isDefault: boolean): PushRule => {
    const key = pushRuleKey(kind, rule.rule_id);
    return {
      ...rule,
      default: isDefault,
      enabled: enabledOverrides.get(key) ?? rule.enabled,
      actions: actionsOverrides.get(key) ?? rule.actions,
    };
  };

  const merged = {} as PushRuleSet;
  for (const kind of PUSH_RULE_KINDS) {
    const user = (userRules[kind] ?? []).map((r) => effective(kind, r, false));
    const serverDefaults = defaults[kind].map((r) => effective(kind, r, true));
    const first = serverDefaults.filter((r) => r.rule_id === MASTER_RULE_ID);
    const rest = serverDefaults.filter((r) => r.rule_id !== MASTER_RULE_ID);
    merged[kind] = [...first, ...user, ...rest];
  }
  return merged;
}
