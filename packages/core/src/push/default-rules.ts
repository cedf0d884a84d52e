import type { PushAction, PushCondition, PushRule, PushRuleSet } from './types.js';

/**
 * The server-default ("predefined") rules of spec v1.18, client-server-api
 * modules/push.md "Predefined Rules", in the spec's order.
 *
 * v1.17 removed the legacy rules that looked for mentions in `content.body`
 * (.m.rule.contains_display_name, .m.rule.roomnotif, .m.rule.contains_user_name).
 * Deployments whose users still run clients that do not send `m.mentions` can
 * ask for them with `legacyMentionRules`; they are then placed where spec v1.16
 * had them, and (as v1.7–v1.16 required) never match an event whose content
 * carries `m.mentions` — see LEGACY_MENTION_RULE_IDS.
 */
export interface DefaultPushRuleOptions {
  legacyMentionRules?: boolean;
}

/** The legacy body-mention rules: disabled for events that carry `content["m.mentions"]`. */
export const LEGACY_MENTION_RULE_IDS: ReadonlySet<string> = new Set([
  '.m.rule.contains_display_name',
  '.m.rule.roomnotif',
  '.m.rule.contains_user_name',
]);

const SOUND_DEFAULT = { set_tweak: 'sound', value: 'default' } as const;
const HIGHLIGHT = { set_tweak: 'highlight' } as const;

function rule(rule_id: string, conditions: PushCondition[], actions: PushAction[], enabled = true): PushRule {
  return { rule_id, default: true, enabled, conditions, actions };
}

function match(key: string, pattern: string): PushCondition {
  return { kind: 'event_match', key, pattern };
}

/** The localpart of `@localpart:server`. */
function localpartOf(userId: string): string {
  const colon = userId.indexOf(':');
  return userId.slice(userId.startsWith('@') ? 1 : 0, colon < 0 ? undefined : colon);
}

/** A fresh (mutable, unshared) global rule set for `userId`. */
export function defaultPushRules(userId: string, options: DefaultPushRuleOptions = {}): PushRuleSet {
  const legacy = options.legacyMentionRules === true;
  const override: PushRule[] = [
    rule('.m.rule.master', [], [], false),
    rule('.m.rule.suppress_notices', [match('content.msgtype', 'm.notice')], []),
    rule(
      '.m.rule.invite_for_me',
      [match('type', 'm.room.member'), match('content.membership', 'invite'), match('state_key', userId)],
      ['notify', { ...SOUND_DEFAULT }],
    ),
    rule('.m.rule.member_event', [match('type', 'm.room.member')], []),
    rule(
      '.m.rule.is_user_mention',
      [{ kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: userId }],
      ['notify', { ...SOUND_DEFAULT }, { ...HIGHLIGHT }],
    ),
    ...(legacy
      ? [rule('.m.rule.contains_display_name', [{ kind: 'contains_display_name' }], ['notify', { ...SOUND_DEFAULT }, { ...HIGHLIGHT }])]
      : []),
    rule(
      '.m.rule.is_room_mention',
      [
        { kind: 'event_property_is', key: 'content.m\\.mentions.room', value: true },
        { kind: 'sender_notification_permission', key: 'room' },
      ],
      ['notify', { ...HIGHLIGHT }],
    ),
    ...(legacy
      ? [
          rule(
            '.m.rule.roomnotif',
            [match('content.body', '@room'), { kind: 'sender_notification_permission', key: 'room' }],
            ['notify', { ...HIGHLIGHT }],
          ),
        ]
      : []),
    rule('.m.rule.tombstone', [match('type', 'm.room.tombstone'), match('state_key', '')], ['notify', { ...HIGHLIGHT }]),
    rule('.m.rule.reaction', [match('type', 'm.reaction')], []),
    rule('.m.rule.room.server_acl', [match('type', 'm.room.server_acl'), match('state_key', '')], []),
    rule('.m.rule.suppress_edits', [{ kind: 'event_property_is', key: 'content.m\\.relates_to.rel_type', value: 'm.replace' }], []),
  ];

  const content: PushRule[] = legacy
    ? [
        {
          rule_id: '.m.rule.contains_user_name',
          default: true,
          enabled: true,
          pattern: localpartOf(userId),
          actions: ['notify', { ...SOUND_DEFAULT }, { ...HIGHLIGHT }],
        },
      ]
    : [];

  const underride: PushRule[] = [
    rule('.m.rule.call', [match('type', 'm.call.invite')], ['notify', { set_tweak: 'sound', value: 'ring' }]),
    rule(
      '.m.rule.encrypted_room_one_to_one',
      [{ kind: 'room_member_count', is: '2' }, match('type', 'm.room.encrypted')],
      ['notify', { ...SOUND_DEFAULT }],
    ),
    rule(
      '.m.rule.room_one_to_one',
      [{ kind: 'room_member_count', is: '2' }, match('type', 'm.room.message')],
      ['notify', { ...SOUND_DEFAULT }],
    ),
    rule('.m.rule.message', [match('type', 'm.room.message')], ['notify']),
    rule('.m.rule.encrypted', [match('type', 'm.room.encrypted')], ['notify']),
  ];

  return { override, content, room: [], sender: [], underride };
}
