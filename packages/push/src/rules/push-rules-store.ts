/**
 * Users' push rules in PostgreSQL: the rules they defined (push_rules, ordered by
 * priority within a kind, highest first) and their changes to the server-default
 * rules (push_rule_default_changes). The effective rule set merges both with the
 * spec's defaults (core mergeUserPushRules); nothing else is stored.
 */
import {
  defaultPushRules,
  mergeUserPushRules,
  pushRuleKey,
  type PushAction,
  type PushRule,
  type PushRuleKind,
  type PushRuleSet,
} from '@lattice/core';
import type { Queryable } from '@lattice/storage';

export interface PushRulesOptions {
  /** Add the legacy body-mention rules of spec ≤ v1.16 (they only apply to events without m.mentions). */
  legacyMentionRules: boolean;
}

interface UserRuleRow {
  user_id: string;
  kind: PushRuleKind;
  rule_id: string;
  priority: number;
  body: string;
  actions: string;
  enabled: boolean;
}

interface DefaultChangeRow {
  user_id: string;
  kind: PushRuleKind;
  rule_id: string;
  enabled: boolean | null;
  actions: string | null;
}

/** What a user stored: their own rules (priority order) and their changes to the defaults. */
export interface StoredPushRules {
  user: Partial<Record<PushRuleKind, PushRule[]>>;
  enabled: Map<string, boolean>;
  actions: Map<string, PushAction[]>;
}

const emptyStored = (): StoredPushRules => ({ user: {}, enabled: new Map(), actions: new Map() });

export function userRuleFromRow(row: Pick<UserRuleRow, 'rule_id' | 'body' | 'actions' | 'enabled'>): PushRule {
  const body = JSON.parse(row.body) as Pick<PushRule, 'conditions' | 'pattern'>;
  return { rule_id: row.rule_id, default: false, enabled: row.enabled, actions: JSON.parse(row.actions) as PushAction[], ...body };
}

/** The stored rules of each user (users with nothing stored are absent). */
export async function loadStoredPushRules(db: Queryable, userIds: readonly string[]): Promise<Map<string, StoredPushRules>> {
  const out = new Map<string, StoredPushRules>();
  if (userIds.length === 0) return out;
  const of = (userId: string) => {
    let stored = out.get(userId);
    if (!stored) out.set(userId, (stored = emptyStored()));
    return stored;
  };
  const [rules, changes] = await Promise.all([
    db.query<UserRuleRow>(
      `SELECT user_id, kind, rule_id, priority, body, actions, enabled FROM push_rules
       WHERE user_id = ANY($1::text[]) ORDER BY user_id, kind, priority DESC`,
      [userIds],
    ),
    db.query<DefaultChangeRow>(
      'SELECT user_id, kind, rule_id, enabled, actions FROM push_rule_default_changes WHERE user_id = ANY($1::text[])',
      [userIds],
    ),
  ]);
  for (const row of rules.rows) (of(row.user_id).user[row.kind] ??= []).push(userRuleFromRow(row));
  for (const row of changes.rows) {
    const stored = of(row.user_id);
    const key = pushRuleKey(row.kind, row.rule_id);
    if (row.enabled !== null) stored.enabled.set(key, row.enabled);
    if (row.actions !== null) stored.actions.set(key, JSON.parse(row.actions) as PushAction[]);
  }
  return out;
}

/** The user's effective global rule set. */
export function effectivePushRules(userId: string, stored: StoredPushRules | undefined, options: PushRulesOptions): PushRuleSet {
  const defaults = defaultPushRules(userId, { legacyMentionRules: options.legacyMentionRules });
  if (!stored) return defaults;
  return mergeUserPushRules(defaults, stored.user, stored.enabled, stored.actions);
}

export async function loadPushRules(db: Queryable, userId: string, options: PushRulesOptions): Promise<PushRuleSet> {
  return effectivePushRules(userId, (await loadStoredPushRules(db, [userId])).get(userId), options);
}
