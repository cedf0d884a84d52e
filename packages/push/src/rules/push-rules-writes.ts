/**
 * Changes to a user's push rules (pushrules.yaml PUT/DELETE). Each runs in one
 * transaction at a new push_rules stream position: the user's push_rules_stream
 * row is written first, which also serialises concurrent changes of one user.
 */
import { Errors, MatrixError, defaultPushRules, type PushAction, type PushRule, type PushRuleKind } from '@lattice/core';
import type { UserScopedRow } from '@lattice/replication';
import type { Database, Queryable } from '@lattice/storage';
import type { PushRulesOptions } from './push-rules-store.js';

/** The slice of a replication StreamWriter a change needs (hub.writer('push_rules')). */
export interface PushRulesWriter {
  write(db: Database, fn: (tx: Queryable, position: number) => Promise<UserScopedRow[]>): Promise<number>;
}

export interface Placement {
  before?: string | undefined;
  after?: string | undefined;
}

function change(db: Database, writer: PushRulesWriter, userId: string, fn: (tx: Queryable) => Promise<void>): Promise<number> {
  return writer.write(db, async (tx, position) => {
    await tx.query(
      `INSERT INTO push_rules_stream (user_id, stream_id) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET stream_id = EXCLUDED.stream_id`,
      [userId, position],
    );
    await fn(tx);
    return [{ user_id: userId }];
  });
}

function ruleBody(rule: PushRule): string {
  const body: Pick<PushRule, 'conditions' | 'pattern'> = {};
  if (rule.conditions !== undefined) body.conditions = rule.conditions;
  if (rule.pattern !== undefined) body.pattern = rule.pattern;
  return JSON.stringify(body);
}

async function priorityOf(tx: Queryable, userId: string, kind: PushRuleKind, ruleId: string): Promise<number | undefined> {
  const { rows } = await tx.query<{ priority: number }>(
    'SELECT priority FROM push_rules WHERE user_id = $1 AND kind = $2 AND rule_id = $3',
    [userId, kind, ruleId],
  );
  return rows[0]?.priority;
}

/**
 * The priority a rule gets: next to `before` (more important) or `after` (less
 * important) — `before` wins when both are given — making room by shifting the
 * rules beyond it; for a new rule without either, above every other rule of its
 * kind; an existing rule without either keeps its place (undefined).
 */
async function placeRule(tx: Queryable, userId: string, kind: PushRuleKind, ruleId: string, where: Placement, exists: boolean): Promise<number | undefined> {
  const relative = where.before ?? where.after;
  if (relative === undefined) {
    if (exists) return undefined;
    const { rows } = await tx.query<{ top: number | null }>('SELECT max(priority) AS top FROM push_rules WHERE user_id = $1 AND kind = $2', [
      userId,
      kind,
    ]);
    return (rows[0]?.top ?? 0) + 1;
  }
  const anchor = relative === ruleId ? undefined : await priorityOf(tx, userId, kind, relative);
  // The spec's example error for a relative rule that is not a user rule of this kind.
  if (anchor === undefined) throw new MatrixError(400, 'M_UNKNOWN', `before/after rule not found: ${relative}`);
  const others = [userId, kind, anchor, ruleId];
  if (where.before !== undefined) {
    await tx.query('UPDATE push_rules SET priority = priority + 1 WHERE user_id = $1 AND kind = $2 AND priority > $3 AND rule_id <> $4', others);
    return anchor + 1;
  }
  await tx.query('UPDATE push_rules SET priority = priority - 1 WHERE user_id = $1 AND kind = $2 AND priority < $3 AND rule_id <> $4', others);
  return anchor - 1;
}

/** Creates or replaces a user rule (already validated). A replaced rule keeps its enabled flag. */
export function putUserRule(db: Database, writer: PushRulesWriter, userId: string, kind: PushRuleKind, rule: PushRule, where: Placement): Promise<number> {
  return change(db, writer, userId, async (tx) => {
    const exists = (await priorityOf(tx, userId, kind, rule.rule_id)) !== undefined;
    const priority = await placeRule(tx, userId, kind, rule.rule_id, where, exists);
    if (exists) {
      await tx.query(
        `UPDATE push_rules SET body = $4, actions = $5, priority = coalesce($6, priority)
         WHERE user_id = $1 AND kind = $2 AND rule_id = $3`,
        [userId, kind, rule.rule_id, ruleBody(rule), JSON.stringify(rule.actions), priority ?? null],
      );
    } else {
      await tx.query(
        `INSERT INTO push_rules (user_id, kind, rule_id, priority, body, actions, enabled) VALUES ($1, $2, $3, $4, $5, $6, TRUE)`,
        [userId, kind, rule.rule_id, priority, ruleBody(rule), JSON.stringify(rule.actions)],
      );
    }
  });
}

/** Deletes a user rule: 404 when there is none; server-default rules cannot be deleted. */
export function deleteUserRule(db: Database, writer: PushRulesWriter, userId: string, kind: PushRuleKind, ruleId: string): Promise<number> {
  if (ruleId.startsWith('.')) throw Errors.invalidParam('Server-default push rules cannot be deleted');
  return change(db, writer, userId, async (tx) => {
    const { rowCount } = await tx.query('DELETE FROM push_rules WHERE user_id = $1 AND kind = $2 AND rule_id = $3', [userId, kind, ruleId]);
    if (rowCount === 0) throw Errors.notFound('The push rule does not exist');
  });
}

function isDefaultRule(userId: string, kind: PushRuleKind, ruleId: string, options: PushRulesOptions): boolean {
  return defaultPushRules(userId, { legacyMentionRules: options.legacyMentionRules })[kind].some((r) => r.rule_id === ruleId);
}

/** `PUT …/enabled` or `PUT …/actions` on any of the user's rules: 404 when it does not exist. */
export function setRuleAttribute(
  db: Database,
  writer: PushRulesWriter,
  userId: string,
  kind: PushRuleKind,
  ruleId: string,
  attribute: { enabled: boolean } | { actions: PushAction[] },
  options: PushRulesOptions,
): Promise<number> {
  const column = 'enabled' in attribute ? 'enabled' : 'actions';
  const value = 'enabled' in attribute ? attribute.enabled : JSON.stringify(attribute.actions);
  return change(db, writer, userId, async (tx) => {
    if (ruleId.startsWith('.')) {
      if (!isDefaultRule(userId, kind, ruleId, options)) throw Errors.notFound('The push rule does not exist');
      await tx.query(
        `INSERT INTO push_rule_default_changes (user_id, kind, rule_id, ${column}) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, kind, rule_id) DO UPDATE SET ${column} = EXCLUDED.${column}`,
        [userId, kind, ruleId, value],
      );
      return;
    }
    const { rowCount } = await tx.query(`UPDATE push_rules SET ${column} = $4 WHERE user_id = $1 AND kind = $2 AND rule_id = $3`, [
      userId,
      kind,
      ruleId,
      value,
    ]);
    if (rowCount === 0) throw Errors.notFound('The push rule does not exist');
  });
}
