import { defaultPushRules, type PushRule } from '../../src/push/index.js';
import { ALICE } from './fixtures.js';

const ids = (rules: PushRule[]) => rules.map((r) => r.rule_id);

describe('defaultPushRules', () => {
  test('override rules in the order of spec v1.18', () => {
    expect(ids(defaultPushRules(ALICE).override)).toEqual([
      '.m.rule.master',
      '.m.rule.suppress_notices',
      '.m.rule.invite_for_me',
      '.m.rule.member_event',
      '.m.rule.is_user_mention',
      '.m.rule.is_room_mention',
      '.m.rule.tombstone',
      '.m.rule.reaction',
      '.m.rule.room.server_acl',
      '.m.rule.suppress_edits',
    ]);
  });

  test('underride rules in the order of the spec', () => {
    expect(ids(defaultPushRules(ALICE).underride)).toEqual([
      '.m.rule.call',
      '.m.rule.encrypted_room_one_to_one',
      '.m.rule.room_one_to_one',
      '.m.rule.message',
      '.m.rule.encrypted',
    ]);
  });

  test('no content, room or sender rules without the legacy rules (removed in v1.17)', () => {
    const set = defaultPushRules(ALICE);
    expect(set.content).toEqual([]);
    expect(set.room).toEqual([]);
    expect(set.sender).toEqual([]);
  });

  test('legacy mention rules sit where spec v1.16 had them, with the localpart as the pattern', () => {
    const set = defaultPushRules(ALICE, { legacyMentionRules: true });
    expect(ids(set.override)).toEqual([
      '.m.rule.master',
      '.m.rule.suppress_notices',
      '.m.rule.invite_for_me',
      '.m.rule.member_event',
      '.m.rule.is_user_mention',
      '.m.rule.contains_display_name',
      '.m.rule.is_room_mention',
      '.m.rule.roomnotif',
      '.m.rule.tombstone',
      '.m.rule.reaction',
      '.m.rule.room.server_acl',
      '.m.rule.suppress_edits',
    ]);
    expect(set.content).toEqual([
      {
        rule_id: '.m.rule.contains_user_name',
        default: true,
        enabled: true,
        pattern: 'alice',
        actions: ['notify', { set_tweak: 'sound', value: 'default' }, { set_tweak: 'highlight' }],
      },
    ]);
  });

  test('definitions match the spec text', () => {
    const set = defaultPushRules(ALICE);
    const byId = new Map([...set.override, ...set.underride].map((r) => [r.rule_id, r]));
    expect(byId.get('.m.rule.master')).toEqual({ rule_id: '.m.rule.master', default: true, enabled: false, conditions: [], actions: [] });
    expect(byId.get('.m.rule.invite_for_me')!.conditions).toEqual([
      { kind: 'event_match', key: 'type', pattern: 'm.room.member' },
      { kind: 'event_match', key: 'content.membership', pattern: 'invite' },
      { kind: 'event_match', key: 'state_key', pattern: ALICE },
    ]);
    expect(byId.get('.m.rule.is_user_mention')).toEqual({
      rule_id: '.m.rule.is_user_mention',
      default: true,
      enabled: true,
      conditions: [{ kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: ALICE }],
      actions: ['notify', { set_tweak: 'sound', value: 'default' }, { set_tweak: 'highlight' }],
    });
    expect(byId.get('.m.rule.is_room_mention')!.conditions).toEqual([
      { kind: 'event_property_is', key: 'content.m\\.mentions.room', value: true },
      { kind: 'sender_notification_permission', key: 'room' },
    ]);
    expect(byId.get('.m.rule.suppress_edits')!.conditions).toEqual([
      { kind: 'event_property_is', key: 'content.m\\.relates_to.rel_type', value: 'm.replace' },
    ]);
    expect(byId.get('.m.rule.call')!.actions).toEqual(['notify', { set_tweak: 'sound', value: 'ring' }]);
    expect(byId.get('.m.rule.encrypted_room_one_to_one')!.conditions).toEqual([
      { kind: 'room_member_count', is: '2' },
      { kind: 'event_match', key: 'type', pattern: 'm.room.encrypted' },
    ]);
    for (const r of [...set.override, ...set.underride]) {
      expect(r.rule_id.startsWith('.')).toBe(true);
      expect(r.default).toBe(true);
    }
  });

  test('each call returns an unshared set', () => {
    const a = defaultPushRules(ALICE);
    a.override[0]!.enabled = true;
    (a.override[2]!.actions[1] as { value: string }).value = 'changed';
    const b = defaultPushRules(ALICE);
    expect(b.override[0]!.enabled).toBe(false);
    expect(b.override[2]!.actions[1]).toEqual({ set_tweak: 'sound', value: 'default' });
  });
});
