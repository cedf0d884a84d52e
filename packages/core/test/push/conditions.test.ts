import {
  compilePushRules,
  defaultPushRules,
  emptyPushRuleSet,
  mergeUserPushRules,
  preparePushEvent,
  type PushCondition,
  type PushRule,
  type PushRuleSet,
  type PushScalar,
} from '../../src/push/index.js';
import { ALICE, BOB, ROOM, decide, event, room, text } from './fixtures.js';

/** A set holding one override rule "r" with these conditions. */
function only(conditions: PushCondition[]): PushRuleSet {
  const set = emptyPushRuleSet();
  set.override.push({ rule_id: 'r', default: false, enabled: true, conditions, actions: ['notify'] });
  return set;
}

const fires = (conditions: PushCondition[], ev = text('hi'), roomCtx = room()) => decide(ev, roomCtx, only(conditions)).ruleId === 'r';

describe('event_match', () => {
  test('dotted keys with escapes address properties whose names contain dots', () => {
    const ev = event('m.room.message', { 'org.example.flag': 'On', org: { example: { flag: 'off' } } });
    expect(fires([{ kind: 'event_match', key: 'content.org\\.example\\.flag', pattern: 'on' }], ev)).toBe(true);
    expect(fires([{ kind: 'event_match', key: 'content.org.example.flag', pattern: 'off' }], ev)).toBe(true);
    expect(fires([{ kind: 'event_match', key: 'content.org.example.flag', pattern: 'on' }], ev)).toBe(false);
  });

  test('a backslash in a property name', () => {
    const ev = event('x', { 'a\\b': 'yes', '\\x': 'also' });
    expect(fires([{ kind: 'event_match', key: 'content.a\\\\b', pattern: 'yes' }], ev)).toBe(true);
    // "\x" is not an escape: the key names the property `\x`.
    expect(fires([{ kind: 'event_match', key: 'content.\\x', pattern: 'also' }], ev)).toBe(true);
  });

  test('absent or non-string values never match, even "*"', () => {
    const ev = event('x', { n: 1, b: true, z: null, o: {}, a: ['x'] });
    for (const key of ['content.n', 'content.b', 'content.z', 'content.o', 'content.a', 'content.missing']) {
      expect(fires([{ kind: 'event_match', key, pattern: '*' }], ev)).toBe(false);
    }
    expect(fires([{ kind: 'event_match', key: 'sender', pattern: '@bob:*' }], ev)).toBe(true);
  });

  test('content.body uses word boundaries; other keys the whole value', () => {
    expect(fires([{ kind: 'event_match', key: 'content.body', pattern: 'beer' }], text('more beer please'))).toBe(true);
    expect(fires([{ kind: 'event_match', key: 'content.body', pattern: 'beer' }], text('beers'))).toBe(false);
    expect(fires([{ kind: 'event_match', key: 'content.msgtype', pattern: 'text' }], text('x'))).toBe(false);
  });
});

describe('event_property_is and event_property_contains', () => {
  const ev = event('m.room.create', { 'm.federate': true, n: 5, s: 'true', z: null, list: ['a', 7, true, null, { o: 1 }, ['a']] });
  test('exact, typed equality', () => {
    const is = (key: string, value: PushScalar) =>
      fires([{ kind: 'event_property_is', key, value }], ev);
    expect(is('content.m\\.federate', true)).toBe(true);
    expect(is('content.m\\.federate', 'true')).toBe(false);
    expect(is('content.m\\.federate', 1)).toBe(false);
    expect(is('content.n', 5)).toBe(true);
    expect(is('content.s', 'true')).toBe(true);
    expect(is('content.s', 'TRUE')).toBe(false); // not case-insensitive
    expect(is('content.z', null)).toBe(true);
    expect(is('content.missing', null)).toBe(false);
    expect(is('content.list', 'a')).toBe(false);
  });

  test('array membership of scalar values', () => {
    const contains = (key: string, value: PushScalar) => fires([{ kind: 'event_property_contains', key, value }], ev);
    expect(contains('content.list', 'a')).toBe(true);
    expect(contains('content.list', 7)).toBe(true);
    expect(contains('content.list', true)).toBe(true);
    expect(contains('content.list', null)).toBe(true);
    expect(contains('content.list', 'A')).toBe(false);
    expect(contains('content.list', '7')).toBe(false);
    expect(contains('content.s', 'true')).toBe(false); // not an array
    expect(contains('content.missing', 'a')).toBe(false);
  });

  test('a compound value in the rule makes it never match', () => {
    expect(fires([{ kind: 'event_property_is', key: 'content.list', value: ['a'] } as unknown as PushCondition], ev)).toBe(false);
  });
});

describe('room_member_count', () => {
  const at = (is: string, memberCount: number) => fires([{ kind: 'room_member_count', is }], text('x'), room({ memberCount }));
  test.each([
    ['2', 2, true],
    ['2', 3, false],
    ['==2', 2, true],
    ['==2', 1, false],
    ['<10', 9, true],
    ['<10', 10, false],
    ['>10', 11, true],
    ['>10', 10, false],
    ['<=10', 10, true],
    ['<=10', 11, false],
    ['>=10', 10, true],
    ['>=10', 9, false],
  ])('is %s with %i members → %s', (is, count, expected) => {
    expect(at(is, count)).toBe(expected);
  });

  test('a malformed "is" never matches', () => {
    for (const is of ['', '=2', '=>2', '2.0', '-1', ' 2', 'two', '!=2']) expect(at(is, 2)).toBe(false);
  });
});

describe('sender_notification_permission', () => {
  const cond: PushCondition[] = [{ kind: 'sender_notification_permission', key: 'room' }];
  test('defaults the room level to 50', () => {
    expect(fires(cond, text('x'), room({ senderPowerLevel: 50 }))).toBe(true);
    expect(fires(cond, text('x'), room({ senderPowerLevel: 49 }))).toBe(false);
  });
  test('uses the notifications levels of the room', () => {
    expect(fires(cond, text('x'), room({ senderPowerLevel: 49, notificationPowerLevels: new Map([['room', 0]]) }))).toBe(true);
    const custom: PushCondition[] = [{ kind: 'sender_notification_permission', key: 'org.example.alert' }];
    expect(fires(custom, text('x'), room({ senderPowerLevel: 20, notificationPowerLevels: { 'org.example.alert': 20 } }))).toBe(true);
    expect(fires(custom, text('x'), room({ senderPowerLevel: 19, notificationPowerLevels: { 'org.example.alert': 20 } }))).toBe(false);
    // A key without a level has no default.
    expect(fires(custom, text('x'), room({ senderPowerLevel: 100 }))).toBe(false);
  });
  test('v12 creators (infinite power) pass', () => {
    expect(fires(cond, text('x'), room({ senderPowerLevel: Infinity }))).toBe(true);
  });
});

describe('rule semantics', () => {
  test('a rule without conditions matches everything; unrecognised conditions disable it', () => {
    expect(fires([])).toBe(true);
    expect(fires([{ kind: 'org.example.future', foo: 1 }])).toBe(false);
    expect(fires([{ kind: 'event_match', key: 'type' } as unknown as PushCondition])).toBe(false);
  });

  test('all conditions must hold', () => {
    expect(
      fires([
        { kind: 'event_match', key: 'type', pattern: 'm.room.message' },
        { kind: 'room_member_count', is: '>100' },
      ]),
    ).toBe(false);
  });

  test('disabled rules are skipped', () => {
    const user: PushRule = { rule_id: 'quiet', default: false, enabled: false, conditions: [], actions: [] };
    expect(decide(text('x'), room(), mergeUserPushRules(defaultPushRules(ALICE), { override: [user] })).ruleId).toBe('.m.rule.message');
  });

  test('kinds are checked override, content, room, sender, underride; first match wins', () => {
    const set = emptyPushRuleSet();
    set.underride.push({ rule_id: 'u', default: false, enabled: true, conditions: [], actions: ['notify'] });
    set.sender.push({ rule_id: BOB, default: false, enabled: true, actions: ['notify', { set_tweak: 'sound', value: 'bob' }] });
    set.room.push({ rule_id: ROOM, default: false, enabled: true, actions: [] });
    set.content.push({ rule_id: 'c1', default: false, enabled: true, pattern: 'tea', actions: ['notify', { set_tweak: 'sound', value: 'tea' }] });
    set.content.push({ rule_id: 'c2', default: false, enabled: true, pattern: 'time', actions: ['notify'] });
    const evaluate = compilePushRules(set, { userId: ALICE });
    expect(evaluate(text("It's time for tea"), room()).ruleId).toBe('c1');
    expect(evaluate(text('time'), room()).ruleId).toBe('c2');
    expect(evaluate(text('hello'), room()).ruleId).toBe(ROOM);
    expect(evaluate({ ...text('hello'), room_id: '!other:x' }, room())).toMatchObject({ ruleId: BOB, sound: 'bob', kind: 'sender' });
    expect(evaluate({ ...text('hello'), room_id: '!other:x', sender: '@carol:x' }, room()).ruleId).toBe('u');
    set.override.push({ rule_id: 'o', default: false, enabled: true, conditions: [], actions: ['dont_notify'] });
    expect(compilePushRules(set, { userId: ALICE })(text('tea'), room())).toMatchObject({ ruleId: 'o', notify: false, actions: [] });
  });

  test('results carry tweaks; historical actions are stripped', () => {
    const set = only([]);
    set.override[0]!.actions = ['coalesce', 'notify', { set_tweak: 'highlight', value: false }, { set_tweak: 'org.example.led', value: 'blue' }];
    const r = decide(text('x'), room(), set);
    expect(r).toMatchObject({ notify: true, highlight: false, tweaks: { highlight: false, 'org.example.led': 'blue' } });
    expect(r.actions).toEqual(['notify', { set_tweak: 'highlight', value: false }, { set_tweak: 'org.example.led', value: 'blue' }]);
  });

  test('a prepared event gives the same answers for many users', () => {
    const ev = preparePushEvent(text('hey', { 'm.mentions': { user_ids: [ALICE] } }));
    const forAlice = compilePushRules(defaultPushRules(ALICE), { userId: ALICE });
    const forCarol = compilePushRules(defaultPushRules('@carol:example.org'), { userId: '@carol:example.org' });
    expect(forAlice(ev, room()).ruleId).toBe('.m.rule.is_user_mention');
    expect(forCarol(ev, room()).ruleId).toBe('.m.rule.message');
    expect(forAlice(ev, room()).ruleId).toBe('.m.rule.is_user_mention');
  });
});

describe('rules compiled for many users', () => {
  test('the user\'s own id is per user even where compiled rules are shared', () => {
    const invite = (target: string) => event('m.room.member', { membership: 'invite' }, { state_key: target });
    const users = ['@u1:example.org', '@u2:example.org', '@U3:example.org'];
    const evaluators = users.map((u) => compilePushRules(defaultPushRules(u), { userId: u }));
    users.forEach((target, t) => {
      const ev = preparePushEvent(invite(target));
      evaluators.forEach((evaluate, e) => {
        expect(evaluate(ev, room()).ruleId).toBe(t === e ? '.m.rule.invite_for_me' : '.m.rule.member_event');
      });
    });
    // event_match is case-insensitive, event_property_contains exact.
    expect(evaluators[2]!(invite('@u3:example.org'), room()).ruleId).toBe('.m.rule.invite_for_me');
    expect(evaluators[2]!(text('x', { 'm.mentions': { user_ids: ['@u3:example.org'] } }), room()).ruleId).toBe('.m.rule.message');
  });

  test('a rule naming another user is not about the evaluating user', () => {
    const set = only([{ kind: 'event_property_is', key: 'content.for', value: '@carol:example.org' }]);
    const forCarol = compilePushRules(set, { userId: '@carol:example.org' });
    const forAlice = compilePushRules(set, { userId: ALICE });
    const ev = text('x', { for: '@carol:example.org' });
    expect(forCarol(ev, room()).ruleId).toBe('r');
    expect(forAlice(ev, room()).ruleId).toBe('r');
    expect(forAlice(text('x', { for: ALICE }), room()).ruleId).toBeNull();
  });
});
