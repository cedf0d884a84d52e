import type { PushAction, PushRuleKind } from './types.js';

/** Actions of older spec versions that clients and servers MUST ignore
 *  (push.md "Historical Actions"): `["dont_notify"]` means `[]`. */
const HISTORICAL_ACTIONS: ReadonlySet<string> = new Set(['dont_notify', 'coalesce']);

export function isHistoricalAction(action: PushAction): boolean {
  return typeof action === 'string' && HISTORICAL_ACTIONS.has(action);
}

/** The actions with the historical ones stripped (the same array when there were none). */
export function stripHistoricalActions(actions: readonly PushAction[]): PushAction[] {
  return actions.some(isHistoricalAction) ? actions.filter((a) => !isHistoricalAction(a)) : (actions as PushAction[]);
}

/** What evaluating a user's rules against an event decided. */
export interface PushResult {
  /** The matched rule has the `notify` action. */
  readonly notify: boolean;
  /** `highlight` tweak: true when set without a value or to true; false when absent. */
  readonly highlight: boolean;
  /** `sound` tweak when it is a string. */
  readonly sound?: string;
  /** Every tweak of the matched rule, for the push gateway's `tweaks`. */
  readonly tweaks: Readonly<Record<string, unknown>>;
  /** The matched rule's actions (historical actions stripped); empty when none matched. */
  readonly actions: readonly PushAction[];
  /** The matched rule, or null when no rule matched (the gateway MUST NOT be notified). */
  readonly ruleId: string | null;
  readonly kind: PushRuleKind | null;
}

export const NO_MATCH: PushResult = Object.freeze({
  notify: false,
  highlight: false,
  tweaks: Object.freeze({}),
  actions: Object.freeze([]) as readonly PushAction[],
  ruleId: null,
  kind: null,
});

/** The result of matching a rule: computed once per rule when compiling, shared by all matches. */
export function resultOfRule(kind: PushRuleKind, ruleId: string, rawActions: readonly PushAction[]): PushResult {
  const actions = stripHistoricalActions(rawActions);
  const tweaks: Record<string, unknown> = {};
  let notify = false;
  for (const action of actions) {
    if (action === 'notify') notify = true;
    else if (typeof action === 'object' && action !== null && typeof action.set_tweak === 'string') {
      // A highlight tweak without a value means true (push.md "Actions").
      if ('value' in action) tweaks[action.set_tweak] = action.value;
      else if (action.set_tweak === 'highlight') tweaks.highlight = true;
    }
  }
  const result: PushResult = {
    notify,
    highlight: tweaks.highlight === true,
    ...(typeof tweaks.sound === 'string' ? { sound: tweaks.sound } : {}),
    tweaks: Object.freeze(tweaks),
    actions: Object.freeze([...actions]),
    ruleId,
    kind,
  };
  return Object.freeze(result);
}
