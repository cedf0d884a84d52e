import { defaultPushRules, mergeUserPushRules, pushRuleKey, type PushRule } from '../../src/push/index.js';
import { ALICE, decide, room, text } from './fixtures.js';

const user = (rule_id: string, extra: Partial<PushRule> = {}): PushRule => ({
  rule_id,
  default: false,
  enabled: true,
  conditions: [],
  actions: ['notify'],
  ...extra,
});

describe('mergeUserPushRules', () => {
  const defaults = defaultPushRules(ALICE, { legacyMentionRules: true });

  test('user rules come before the server defaults of their kind, except .m.rule.master', () => {
    const merged = mergeUserPushRules(defaults, {
      override: [user('o1'), user('o2')],
      content: [user('c1', { conditions: undefined, pattern: 'x' })],
      room: [user('!r:x', { conditions: undefined })],
      underride: [user('u1')],
    });
    expect(merged.override.map((r) => r.rule_id).slice(0, 4)).toEqual(['.m.rule.master', 'o1', 'o2', '.m.rule.suppress_notices']);
    expect(merged.override).toHaveLength(defaults.override.length + 2);
    expect(merged.content.map((r) => r.rule_id)).toEqual(['c1', '.m.rule.contains_user_name']);
    expect(merged.room.map((r) => r.rule_id)).toEqual(['!r:x']);
    expect(merged.sender).toEqual([]);
    expect(merged.underride.map((r) => r.rule_id)).toEqual(['u1', ...defaults.underride.map((r) => r.rule_id)]);
    expect(merged.override[1]!.default).toBe(false);
    expect(merged.override[0]!.default).toBe(true);
  });

  test('a user override outranks the default overrides but not an enabled master', () => {
    const silenceAll = user('silence', { actions: [] });
    const rules = mergeUserPushRules(defaultPushRules(ALICE), { override: [silenceAll] });
    expect(decide(text('hi', { 'm.mentions': { user_ids: [ALICE] } }), room(), rules).ruleId).toBe('silence');
    const withMaster = mergeUserPushRules(defaultPushRules(ALICE), { override: [silenceAll] }, new Map([[pushRuleKey('override', '.m.rule.master'), true]]));
    expect(decide(text('hi'), room(), withMaster).ruleId).toBe('.m.rule.master');
  });

  test('a user underride rule is consulted before .m.rule.message', () => {
    const loud = user('loud', { conditions: [{ kind: 'event_match', key: 'type', pattern: 'm.room.message' }], actions: ['notify', { set_tweak: 'sound', value: 'horn' }] });
    expect(decide(text('hi'), room(), mergeUserPushRules(defaultPushRules(ALICE), { underride: [loud] })).sound).toBe('horn');
  });

  test('enabled and actions overrides apply to default and user rules, keyed by kind', () => {
    const merged = mergeUserPushRules(
      defaults,
      { override: [user('mine')] },
      new Map([
        [pushRuleKey('underride', '.m.rule.message'), false],
        [pushRuleKey('override', 'mine'), false],
        [pushRuleKey('content', '.m.rule.message'), true], // wrong kind: no effect
      ]),
      new Map([[pushRuleKey('underride', '.m.rule.call'), ['notify']]]),
    );
    const find = (kind: 'override' | 'underride', id: string) => merged[kind].find((r) => r.rule_id === id)!;
    expect(find('underride', '.m.rule.message').enabled).toBe(false);
    expect(find('override', 'mine').enabled).toBe(false);
    expect(find('underride', '.m.rule.call').actions).toEqual(['notify']);
    expect(decide(text('hi'), room(), merged).ruleId).toBeNull();
  });

  test('inputs are not modified', () => {
    const before = JSON.stringify(defaults);
    mergeUserPushRules(defaults, { override: [user('x')] }, new Map([[pushRuleKey('override', '.m.rule.master'), true]]));
    expect(JSON.stringify(defaults)).toBe(before);
  });
});
