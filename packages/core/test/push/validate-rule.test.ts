import { MatrixError } from '../../src/errors.js';
import {
  validatePushActions,
  validatePushCondition,
  validatePushRuleEnabled,
  validatePushRuleScopeAndKind,
  validateUserPushRule,
} from '../../src/push/index.js';

function errcodeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MatrixError);
    expect((e as MatrixError).status).toBe(400);
    return (e as MatrixError).errcode;
  }
  throw new Error('expected a MatrixError');
}

describe('path parameters', () => {
  test('scope and kind', () => {
    expect(validatePushRuleScopeAndKind('global', 'underride')).toBe('underride');
    expect(errcodeOf(() => validatePushRuleScopeAndKind('device', 'override'))).toBe('M_INVALID_PARAM');
    expect(errcodeOf(() => validatePushRuleScopeAndKind('global', 'everything'))).toBe('M_INVALID_PARAM');
  });

  test('rule ids: no leading dot, no slashes or backslashes; room and sender ids', () => {
    const body = { actions: [] };
    for (const id of ['.m.rule.master', '.mine', 'a/b', 'a\\b', '']) {
      expect(errcodeOf(() => validateUserPushRule('override', id, body))).toBe('M_INVALID_PARAM');
    }
    expect(errcodeOf(() => validateUserPushRule('room', 'notaroom', body))).toBe('M_INVALID_PARAM');
    expect(errcodeOf(() => validateUserPushRule('sender', 'bob', body))).toBe('M_INVALID_PARAM');
    expect(validateUserPushRule('room', '!r:x', body).rule_id).toBe('!r:x');
    expect(validateUserPushRule('sender', '@bob:x', body).rule_id).toBe('@bob:x');
  });
});

describe('rule bodies', () => {
  test('the spec examples are accepted and created enabled, non-default', () => {
    expect(validateUserPushRule('content', 'SSByZWFsbHkgbGlrZSBjYWtl', { pattern: 'cake', actions: ['notify', { set_tweak: 'sound', value: 'cakealarm.wav' }] })).toEqual({
      rule_id: 'SSByZWFsbHkgbGlrZSBjYWtl',
      default: false,
      enabled: true,
      pattern: 'cake',
      actions: ['notify', { set_tweak: 'sound', value: 'cakealarm.wav' }],
    });
    const beer = validateUserPushRule('override', 'U2VlIHlvdSBpbiBUaGUgRHVrZQ', {
      conditions: [
        { kind: 'event_match', key: 'content.body', pattern: 'beer' },
        { kind: 'room_member_count', is: '<=10' },
      ],
      actions: ['notify', { set_tweak: 'sound', value: 'beeroclock.wav' }],
    });
    expect(beer.conditions).toHaveLength(2);
    expect(validateUserPushRule('room', '!dj234r78wl45Gh4D:matrix.org', { actions: [] })).toEqual({
      rule_id: '!dj234r78wl45Gh4D:matrix.org',
      default: false,
      enabled: true,
      actions: [],
    });
  });

  test('kind-specific fields: content needs a pattern; conditions default to []; other keys dropped', () => {
    expect(errcodeOf(() => validateUserPushRule('content', 'c', { actions: [] }))).toBe('M_BAD_JSON');
    expect(errcodeOf(() => validateUserPushRule('content', 'c', { actions: [], pattern: 3 }))).toBe('M_BAD_JSON');
    expect(validateUserPushRule('underride', 'u', { actions: ['notify'] }).conditions).toEqual([]);
    expect(errcodeOf(() => validateUserPushRule('override', 'o', { actions: [], conditions: {} }))).toBe('M_BAD_JSON');
    const room = validateUserPushRule('room', '!r:x', { actions: [], pattern: 'x', conditions: [], enabled: false, default: true });
    expect(room).toEqual({ rule_id: '!r:x', default: false, enabled: true, actions: [] });
  });

  test('body and actions shapes', () => {
    expect(errcodeOf(() => validateUserPushRule('override', 'o', null))).toBe('M_BAD_JSON');
    expect(errcodeOf(() => validateUserPushRule('override', 'o', []))).toBe('M_BAD_JSON');
    expect(errcodeOf(() => validateUserPushRule('override', 'o', {}))).toBe('M_BAD_JSON');
    expect(errcodeOf(() => validatePushActions('notify'))).toBe('M_BAD_JSON');
    expect(errcodeOf(() => validatePushActions(['notify', 'ring']))).toBe('M_BAD_JSON');
    expect(errcodeOf(() => validatePushActions([{ sound: 'x' }]))).toBe('M_BAD_JSON');
    expect(errcodeOf(() => validatePushActions([{ set_tweak: 'highlight', value: 'yes' }]))).toBe('M_BAD_JSON');
    expect(errcodeOf(() => validatePushActions([{ set_tweak: 'sound' }]))).toBe('M_BAD_JSON');
    expect(errcodeOf(() => validatePushActions([7]))).toBe('M_BAD_JSON');
  });

  test('historical actions are stripped, tweaks pass through', () => {
    expect(validatePushActions(['dont_notify'])).toEqual([]);
    expect(validatePushActions(['notify', 'coalesce', { set_tweak: 'highlight' }, { set_tweak: 'org.example.led', value: { c: 1 } }])).toEqual([
      'notify',
      { set_tweak: 'highlight' },
      { set_tweak: 'org.example.led', value: { c: 1 } },
    ]);
  });

  test('conditions: known kinds need their parameters, unknown kinds are kept', () => {
    const bad: unknown[] = [
      null,
      'event_match',
      { key: 'type', pattern: 'x' },
      { kind: 'event_match', key: 'type' },
      { kind: 'event_match', pattern: 'x' },
      { kind: 'event_property_is', key: 'content.x' },
      { kind: 'event_property_is', key: 'content.x', value: { a: 1 } },
      { kind: 'event_property_contains', key: 'content.x', value: 1.5 },
      { kind: 'event_property_contains', key: 'content.x', value: 2 ** 53 },
      { kind: 'room_member_count' },
      { kind: 'room_member_count', is: '=<2' },
      { kind: 'room_member_count', is: 2 },
      { kind: 'sender_notification_permission' },
    ];
    for (const c of bad) expect(errcodeOf(() => validatePushCondition(c))).toBe('M_BAD_JSON');
    const good: unknown[] = [
      { kind: 'event_property_is', key: 'content.x', value: null },
      { kind: 'event_property_contains', key: 'content.x', value: -(2 ** 53) + 1 },
      { kind: 'contains_display_name' },
      { kind: 'room_member_count', is: '>=3' },
      { kind: 'org.example.future', anything: [1] },
    ];
    for (const c of good) expect(validatePushCondition(c)).toBe(c);
  });

  test('enabled body', () => {
    expect(validatePushRuleEnabled({ enabled: false })).toBe(false);
    expect(errcodeOf(() => validatePushRuleEnabled({ enabled: 'false' }))).toBe('M_BAD_JSON');
    expect(errcodeOf(() => validatePushRuleEnabled({}))).toBe('M_BAD_JSON');
  });
});
