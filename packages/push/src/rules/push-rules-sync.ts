/**
 * m.push_rules in /sync's global account data (push.md: clients learn of rule
 * changes this way): on an initial or full-state sync, and on an incremental
 * one when the user's rules changed within its push_rules window.
 */
import type { Queryable } from '@lattice/storage';
import type { SyncContribution, SyncExtension, SyncExtensionRequest } from '@lattice/sync';
import { loadPushRules, type PushRulesOptions } from './push-rules-store.js';

const NOTHING: SyncContribution = { sections: {}, hasUpdates: false };

export function pushRulesSyncExtension(db: Queryable, options: PushRulesOptions): SyncExtension {
  return {
    name: 'push_rules',
    async contribute(req: SyncExtensionRequest): Promise<SyncContribution> {
      const incremental = req.since !== undefined && !req.fullState;
      if (incremental) {
        const from = req.since!.get('push_rules').min;
        const to = req.to.get('push_rules').min;
        if (from >= to) return NOTHING;
        const { rows } = await db.query('SELECT 1 FROM push_rules_stream WHERE user_id = $1 AND stream_id > $2 AND stream_id <= $3', [req.userId, from, to]);
        if (rows.length === 0) return NOTHING;
      }
      const global = await loadPushRules(db, req.userId, options);
      return { sections: {}, accountData: [{ type: 'm.push_rules', content: { global } }], hasUpdates: incremental };
    },
  };
}
