/**
 * Evaluating one prepared event for many users: the user-independent part of each
 * rule is remembered per event and room, the user-dependent part never is; word
 * matchers refuse bodies without the pattern before their RegExp, without losing
 * the matches that Unicode case folding allows.
 */
import { compilePushRuleSet, defaultPushRules, preparePushEvent, type PushRoomContext } from '../../src/push/index.js';
import { foldForSearch, literalWordMatcher, wordGlobMatcher } from '../../src/push/glob.js';

const rulesOf = (userId: string, displayName?: string) =>
  compilePushRuleSet(defaultPushRules(userId, { legacyMentionRules: true }), { userId, ...(displayName ? { displayName } : {}) });
const room = (memberCount: number): PushRoomContext => ({ memberCount, senderPowerLevel: 0, notificationPowerLevels: new Map() });

describe('shared evaluation of one event', () => {
  test('per-user conditions are decided per user on a shared prepared event', () => {
    const event = preparePushEvent({
      type: 'm.room.message',
      sender: '@sender:x',
      room_id: '!r:x',
      content: { msgtype: 'm.text', body: 'hi', 'm.mentions': { user_ids: ['@bob:x'] } },
    });
    const ctx = room(10);
    const alice = rulesOf('@alice:x').evaluate(event, ctx);
    const bob = rulesOf('@bob:x').evaluate(event, ctx);
    const carol = rulesOf('@carol:x').evaluate(event, ctx);
    expect([alice.ruleId, bob.ruleId, carol.ruleId]).toEqual(['.m.rule.message', '.m.rule.is_user_mention', '.m.rule.message']);
    expect(bob.highlight).toBe(true);
  });

  test('display names and localparts are per user (legacy rules)', () => {
    const event = preparePushEvent({ type: 'm.room.message', sender: '@sender:x', content: { msgtype: 'm.text', body: 'Ask Alice Smith or bob' } });
    const ctx = room(10);
    expect(rulesOf('@a:x', 'Alice Smith').evaluate(event, ctx).ruleId).toBe('.m.rule.contains_display_name');
    expect(rulesOf('@b:x', 'Someone').evaluate(event, ctx).ruleId).toBe('.m.rule.message');
    expect(rulesOf('@bob:x', 'Robert').evaluate(event, ctx).ruleId).toBe('.m.rule.contains_user_name');
    // The per-room display name argument wins over the compiled one.
    expect(rulesOf('@b:x', 'Someone').evaluate(event, ctx, 'alice smith').ruleId).toBe('.m.rule.contains_display_name');
  });

  test('a different room context is not answered from another room\'s memo', () => {
    const event = preparePushEvent({ type: 'm.room.message', sender: '@sender:x', content: { msgtype: 'm.text', body: 'hi', 'm.mentions': {} } });
    const rules = rulesOf('@a:x');
    expect(rules.evaluate(event, room(2)).ruleId).toBe('.m.rule.room_one_to_one');
    expect(rules.evaluate(event, room(3)).ruleId).toBe('.m.rule.message');
    expect(rules.evaluate(event, room(2)).ruleId).toBe('.m.rule.room_one_to_one');
  });

  test('the substring pre-check keeps case-folding matches', () => {
    // U+017F (long s) folds to "s"; U+212A (Kelvin sign) folds to "k".
    expect(wordGlobMatcher('sky').matches('the \u017Fky')).toBe(true);
    expect(literalWordMatcher('Kilo').matches('\u212Ailo here')).toBe(true);
    expect(literalWordMatcher('Kilo').matches('\u212Ailo here', foldForSearch('\u212Ailo here'))).toBe(true);
    expect(literalWordMatcher('Alice').matches('ALICE!')).toBe(true);
    expect(literalWordMatcher('Alice').matches('Malice')).toBe(false);
    expect(literalWordMatcher('Alice').matches('nobody')).toBe(false);
    // Patterns with wildcards or outside printable ASCII skip the pre-check.
    expect(wordGlobMatcher('ca?e').matches('CAKE')).toBe(true);
    expect(literalWordMatcher('Zoë').matches('hi ZOË')).toBe(true);
  });
});
