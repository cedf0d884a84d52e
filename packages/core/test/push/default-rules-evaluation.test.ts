import { compilePushRules, defaultPushRules, mergeUserPushRules, pushRuleKey } from '../../src/push/index.js';
import { ALICE, BOB, decide, event, room, text } from './fixtures.js';

const legacy = () => defaultPushRules(ALICE, { legacyMentionRules: true });

describe('default rules on representative events', () => {
  test('plain message in a group room: .m.rule.message notifies without sound or highlight', () => {
    const r = decide(text('hello'));
    expect(r).toMatchObject({ ruleId: '.m.rule.message', kind: 'underride', notify: true, highlight: false });
    expect(r.sound).toBeUndefined();
    expect(r.actions).toEqual(['notify']);
  });

  test('own events never notify', () => {
    expect(decide(text('hello', { 'm.mentions': { user_ids: [ALICE] } }), room(), undefined).ruleId).toBe('.m.rule.is_user_mention');
    const own = decide({ ...text('hello'), sender: ALICE });
    expect(own).toMatchObject({ ruleId: null, notify: false });
  });

  test('.m.rule.master, when enabled, matches everything and silences', () => {
    const rules = mergeUserPushRules(defaultPushRules(ALICE), {}, new Map([[pushRuleKey('override', '.m.rule.master'), true]]));
    expect(decide(text('hi', { 'm.mentions': { user_ids: [ALICE] } }), room(), rules)).toMatchObject({
      ruleId: '.m.rule.master',
      notify: false,
    });
  });

  test('.m.rule.suppress_notices', () => {
    expect(decide(event('m.room.message', { msgtype: 'm.notice', body: 'bot' }))).toMatchObject({
      ruleId: '.m.rule.suppress_notices',
      notify: false,
    });
    expect(decide(event('m.room.message', { msgtype: 'm.emote', body: 'waves' })).ruleId).toBe('.m.rule.message');
  });

  test('.m.rule.invite_for_me fires for invites of this user only', () => {
    const invite = (target: string) => event('m.room.member', { membership: 'invite' }, { state_key: target });
    expect(decide(invite(ALICE))).toMatchObject({ ruleId: '.m.rule.invite_for_me', notify: true, sound: 'default', highlight: false });
    expect(decide(invite('@carol:example.org'))).toMatchObject({ ruleId: '.m.rule.member_event', notify: false });
  });

  test('.m.rule.member_event silences other membership changes', () => {
    expect(decide(event('m.room.member', { membership: 'join' }, { state_key: BOB, sender: BOB }))).toMatchObject({
      ruleId: '.m.rule.member_event',
      notify: false,
    });
  });

  test('.m.rule.is_user_mention via m.mentions.user_ids', () => {
    const r = decide(text('hey', { 'm.mentions': { user_ids: ['@carol:example.org', ALICE] } }));
    expect(r).toMatchObject({ ruleId: '.m.rule.is_user_mention', notify: true, highlight: true, sound: 'default' });
    expect(decide(text('hey', { 'm.mentions': { user_ids: ['@carol:example.org'] } })).ruleId).toBe('.m.rule.message');
    // A user id in a string (not an array) or outside m.mentions does not count.
    expect(decide(text('hey', { 'm.mentions': { user_ids: ALICE } })).ruleId).toBe('.m.rule.message');
    expect(decide(text('hey', { user_ids: [ALICE] })).ruleId).toBe('.m.rule.message');
  });

  test('.m.rule.is_room_mention needs m.mentions.room === true and the sender to have the room notification level', () => {
    const mention = text('everyone', { 'm.mentions': { room: true } });
    expect(decide(mention, room({ senderPowerLevel: 50 }))).toMatchObject({ ruleId: '.m.rule.is_room_mention', notify: true, highlight: true });
    expect(decide(mention, room({ senderPowerLevel: 49 })).ruleId).toBe('.m.rule.message');
    expect(decide(mention, room({ senderPowerLevel: 10, notificationPowerLevels: new Map([['room', 10]]) })).ruleId).toBe(
      '.m.rule.is_room_mention',
    );
    expect(decide(mention, room({ senderPowerLevel: 10, notificationPowerLevels: { room: 10 } })).ruleId).toBe('.m.rule.is_room_mention');
    expect(decide(text('x', { 'm.mentions': { room: 'true' } }), room({ senderPowerLevel: 100 })).ruleId).toBe('.m.rule.message');
  });

  test('.m.rule.tombstone is for the state event only', () => {
    const tomb = event('m.room.tombstone', { body: 'upgraded', replacement_room: '!new:x' }, { state_key: '' });
    expect(decide(tomb)).toMatchObject({ ruleId: '.m.rule.tombstone', notify: true, highlight: true });
    const { state_key: _sk, ...notState } = tomb;
    expect(decide(notState).ruleId).toBeNull();
    expect(decide({ ...tomb, state_key: 'x' }).ruleId).toBeNull();
  });

  test('.m.rule.reaction silences reactions', () => {
    const reaction = event('m.reaction', { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$x', key: '👍' } });
    expect(decide(reaction)).toMatchObject({ ruleId: '.m.rule.reaction', notify: false });
  });

  test('.m.rule.room.server_acl silences ACL state changes', () => {
    expect(decide(event('m.room.server_acl', { allow: ['*'] }, { state_key: '' })).ruleId).toBe('.m.rule.room.server_acl');
  });

  test('.m.rule.suppress_edits silences replacements, not other relations', () => {
    const edit = text('* fixed', { 'm.new_content': { body: 'fixed' }, 'm.relates_to': { rel_type: 'm.replace', event_id: '$x' } });
    expect(decide(edit)).toMatchObject({ ruleId: '.m.rule.suppress_edits', notify: false });
    expect(decide(text('reply', { 'm.relates_to': { rel_type: 'm.thread', event_id: '$x' } })).ruleId).toBe('.m.rule.message');
  });

  test('.m.rule.call rings', () => {
    expect(decide(event('m.call.invite', { call_id: 'c', lifetime: 60000 }))).toMatchObject({ ruleId: '.m.rule.call', sound: 'ring', notify: true });
  });

  test('one-to-one rooms play a sound; group rooms do not', () => {
    expect(decide(text('hi'), room({ memberCount: 2 }))).toMatchObject({ ruleId: '.m.rule.room_one_to_one', sound: 'default' });
    expect(decide(text('hi'), room({ memberCount: 3 })).sound).toBeUndefined();
    const enc = event('m.room.encrypted', { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'x' });
    expect(decide(enc, room({ memberCount: 2 }))).toMatchObject({ ruleId: '.m.rule.encrypted_room_one_to_one', sound: 'default', notify: true });
    expect(decide(enc, room({ memberCount: 5 }))).toMatchObject({ ruleId: '.m.rule.encrypted', notify: true, highlight: false });
  });

  test('events no rule matches do not notify', () => {
    expect(decide(event('m.room.topic', { topic: 'x' }, { state_key: '' }))).toMatchObject({ ruleId: null, notify: false });
    expect(decide(event('org.example.custom', {})).ruleId).toBeNull();
  });
});

describe('legacy body-mention rules (opt-in)', () => {
  test('.m.rule.contains_display_name matches the display name at word boundaries', () => {
    const rules = legacy();
    expect(decide(text('hi Alice Smith!'), room(), rules, 'Alice Smith')).toMatchObject({
      ruleId: '.m.rule.contains_display_name',
      highlight: true,
      sound: 'default',
    });
    expect(decide(text('hi alice smith'), room(), rules, 'Alice Smith').ruleId).toBe('.m.rule.contains_display_name');
    expect(decide(text('hi Ms Smithers'), room(), rules, 'Ms Smith').ruleId).toBe('.m.rule.message');
    expect(decide(text('hi'), room(), rules, '').ruleId).toBe('.m.rule.message');
    // The name is literal: glob and RegExp characters in it are not special.
    expect(decide(text('ping [bot] *'), room(), rules, '[bot] *').ruleId).toBe('.m.rule.contains_display_name');
    expect(decide(text('ping xbot] *'), room(), rules, '?bot] *').ruleId).toBe('.m.rule.message');
  });

  test('the per-room display name passed at evaluation overrides the compiled one', () => {
    const evaluate = compilePushRules(legacy(), { userId: ALICE, displayName: 'Liddell' });
    expect(evaluate(text('hi Liddell'), room()).ruleId).toBe('.m.rule.contains_display_name');
    expect(evaluate(text('hi Liddell'), room(), 'Ally').ruleId).toBe('.m.rule.message');
    expect(evaluate(text('hi Ally'), room(), 'Ally').ruleId).toBe('.m.rule.contains_display_name');
  });

  test('.m.rule.roomnotif needs "@room" and the permission', () => {
    const rules = legacy();
    expect(decide(text('@room lunch'), room({ senderPowerLevel: 50 }), rules).ruleId).toBe('.m.rule.roomnotif');
    expect(decide(text('@room lunch'), room({ senderPowerLevel: 0 }), rules).ruleId).toBe('.m.rule.message');
    expect(decide(text('@roomy'), room({ senderPowerLevel: 50 }), rules).ruleId).toBe('.m.rule.message');
  });

  test('.m.rule.contains_user_name matches the localpart as a word', () => {
    const rules = legacy();
    expect(decide(text('ask ALICE about it'), room(), rules)).toMatchObject({ ruleId: '.m.rule.contains_user_name', kind: 'content', highlight: true });
    expect(decide(text('ask alice_b'), room(), rules).ruleId).toBe('.m.rule.message');
  });

  test('none of them applies when the event carries m.mentions', () => {
    const rules = legacy();
    const withMentions = text('alice Alice @room', { 'm.mentions': {} });
    expect(decide(withMentions, room({ senderPowerLevel: 100 }), rules, 'Alice').ruleId).toBe('.m.rule.message');
  });
});
