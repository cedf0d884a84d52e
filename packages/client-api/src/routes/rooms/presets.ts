/**
 * createRoom presets (create_room.yaml: the preset table) and the default power
 * levels a new room starts with. The power levels beyond what the spec fixes
 * (creator may send state; v12 tombstone above state_default) follow the
 * defaults clients expect from other servers: admin-only power_levels,
 * history_visibility, tombstone, server_acl and encryption, moderator name,
 * avatar and canonical alias, and open invites in private rooms.
 */
import type { RoomVersion } from '@lattice/core';

export type Preset = 'private_chat' | 'public_chat' | 'trusted_private_chat';
export const PRESETS: readonly Preset[] = ['private_chat', 'public_chat', 'trusted_private_chat'];

interface PresetRules {
  joinRule: 'invite' | 'public';
  historyVisibility: 'shared';
  guestAccess: 'can_join' | 'forbidden';
  /** Invitees get the creator's power level. */
  inviteesAreAdmins: boolean;
  /** Power to invite: everyone in private rooms, moderators in public ones. */
  invite: number;
}

export const PRESET_RULES: Readonly<Record<Preset, PresetRules>> = {
  private_chat: { joinRule: 'invite', historyVisibility: 'shared', guestAccess: 'can_join', inviteesAreAdmins: false, invite: 0 },
  trusted_private_chat: { joinRule: 'invite', historyVisibility: 'shared', guestAccess: 'can_join', inviteesAreAdmins: true, invite: 0 },
  public_chat: { joinRule: 'public', historyVisibility: 'shared', guestAccess: 'forbidden', inviteesAreAdmins: false, invite: 50 },
};

const CREATOR_LEVEL = 100;

/**
 * The m.room.power_levels content before power_level_content_override. In v12
 * creators (the sender and additional_creators) are infinitely powerful and MUST
 * NOT be listed, and tombstones need more than state_default.
 */
export function defaultPowerLevels(version: RoomVersion, creator: string, preset: Preset, invitees: readonly string[]): Record<string, unknown> {
  const rules = PRESET_RULES[preset];
  const users: Record<string, number> = {};
  if (!version.privilegedCreators) {
    users[creator] = CREATOR_LEVEL;
    // v12 makes trusted invitees additional creators instead (see createContent).
    if (rules.inviteesAreAdmins) for (const invitee of invitees) users[invitee] = CREATOR_LEVEL;
  }
  return {
    users,
    users_default: 0,
    events: {
      'm.room.name': 50,
      'm.room.power_levels': 100,
      'm.room.history_visibility': 100,
      'm.room.canonical_alias': 50,
      'm.room.avatar': 50,
      'm.room.tombstone': version.privilegedCreators ? 150 : 100,
      'm.room.server_acl': 100,
      'm.room.encryption': 100,
    },
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: rules.invite,
  };
}
