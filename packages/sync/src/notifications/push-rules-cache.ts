/**
 * Each user's compiled push rules. Users cannot store their own rules yet (a
 * later issue adds the push rules API and the push_rules stream), so every
 * user has the spec's default rules, legacy mention rules included as
 * Synapse and older clients expect (they only apply without m.mentions).
 */
import { compilePushRuleSet, defaultPushRules, type CompiledPushRules, type PushRuleSet } from '@lattice/core';
import { Lru } from '@lattice/rooms';

const MAX_USERS = 10_000;

/** The user's effective push rules. */
export function pushRulesOf(userId: string): PushRuleSet {
  return defaultPushRules(userId, { legacyMentionRules: true });
}

export class PushRulesCache {
  private readonly byUser = new Lru<string, CompiledPushRules>(MAX_USERS);

  rulesFor(userId: string): CompiledPushRules {
    let rules = this.byUser.get(userId);
    if (!rules) {
      rules = compilePushRuleSet(pushRulesOf(userId), { userId });
      this.byUser.set(userId, rules);
    }
    return rules;
  }
}
