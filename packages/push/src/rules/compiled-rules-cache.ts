/**
 * Each user's compiled push rules for evaluation, loaded in batches (a large
 * room's first event asks for thousands of users in one query) and dropped when
 * the user's push_rules stream row arrives, before the stream position moves.
 * A load that overlaps an invalidation is not cached.
 */
import { compilePushRuleSet, type CompiledPushRules } from '@lattice/core';
import type { UserScopedRow } from '@lattice/replication';
import { Lru } from '@lattice/rooms';
import type { Queryable } from '@lattice/storage';
import { effectivePushRules, loadStoredPushRules, type PushRulesOptions } from './push-rules-store.js';

/** The slice of the replication hub this cache listens to. */
export interface PushRulesUpdates {
  onUpdate(stream: 'push_rules', handler: (update: { rows: UserScopedRow[] }) => void): () => void;
}

export class CompiledRulesCache {
  private readonly byUser: Lru<string, CompiledPushRules>;
  private changes = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: Queryable,
    updates: PushRulesUpdates,
    private readonly options: PushRulesOptions,
    capacity = 200_000,
  ) {
    this.byUser = new Lru(capacity);
    this.unsubscribe = updates.onUpdate('push_rules', (update) => {
      for (const row of update.rows) this.byUser.delete(row.user_id);
      this.changes++;
    });
  }

  /** Moves whenever some user's rules change: callers holding compiled rules re-ask. */
  get generation(): number {
    return this.changes;
  }

  close(): void {
    this.unsubscribe();
  }

  /** The compiled rules of every user in `userIds`. */
  async rulesFor(userIds: readonly string[]): Promise<Map<string, CompiledPushRules>> {
    const out = new Map<string, CompiledPushRules>();
    const missing: string[] = [];
    for (const userId of userIds) {
      const rules = this.byUser.get(userId);
      if (rules) out.set(userId, rules);
      else missing.push(userId);
    }
    if (missing.length === 0) return out;
    const generation = this.changes;
    const stored = await loadStoredPushRules(this.db, missing);
    for (const userId of missing) {
      const rules = compilePushRuleSet(effectivePushRules(userId, stored.get(userId), this.options), { userId });
      out.set(userId, rules);
      if (generation === this.changes) this.byUser.set(userId, rules);
    }
    return out;
  }
}
