/**
 * The events a createRoom request implies, in the order create_room.yaml
 * requires: create, creator join, power levels, canonical alias, preset events,
 * initial_state, name and topic. (Invites, step 8, are sent by the handler once
 * the room exists.) A preset event that initial_state replaces, and an
 * initial_state name/topic that `name`/`topic` replace, are left out rather than
 * sent twice: the resulting state is the same.
 */
import type { CreateRoomOptions, EventDraft } from '@lattice/rooms';
import type { CreateRoomRequest } from './create-room-request.js';
import { PRESET_RULES, defaultPowerLevels } from './presets.js';

type Draft = Omit<EventDraft, 'room_id'>;

const key = (type: string, stateKey: string) => `${type}\u0000${stateKey}`;

/** m.room.create content besides room_version/creator, which the persister sets. */
function createContentOf(req: CreateRoomRequest): Record<string, unknown> {
  const { creator: _creator, room_version: _version, ...content } = req.creationContent;
  if (req.version.privilegedCreators && PRESET_RULES[req.preset].inviteesAreAdmins && req.invite.length > 0) {
    // v12: trusted invitees become additional creators (deduplicated with the request's own).
    const given = Array.isArray(content.additional_creators) ? content.additional_creators : [];
    content.additional_creators = [...new Set([...given, ...req.invite])];
  }
  return content;
}

export function planCreateRoom(req: CreateRoomRequest, creator: string, creatorProfile: Record<string, string>): CreateRoomOptions {
  const rules = PRESET_RULES[req.preset];
  const then: Draft[] = [];
  const state = (type: string, content: Record<string, unknown>, stateKey = ''): void => {
    then.push({ type, state_key: stateKey, sender: creator, content });
  };

  state('m.room.member', { membership: 'join', ...creatorProfile }, creator);
  state('m.room.power_levels', { ...defaultPowerLevels(req.version, creator, req.preset, req.invite), ...req.powerLevelOverride });
  if (req.alias !== undefined) state('m.room.canonical_alias', { alias: req.alias });

  const initial = new Set(req.initialState.map((e) => key(e.type, e.state_key)));
  const presetEvents: Array<[string, Record<string, unknown>]> = [
    ['m.room.join_rules', { join_rule: rules.joinRule }],
    ['m.room.history_visibility', { history_visibility: rules.historyVisibility }],
    ['m.room.guest_access', { guest_access: rules.guestAccess }],
  ];
  for (const [type, content] of presetEvents) if (!initial.has(key(type, ''))) state(type, content);

  for (const e of req.initialState) {
    if (e.state_key === '' && ((e.type === 'm.room.name' && req.name !== undefined) || (e.type === 'm.room.topic' && req.topic !== undefined))) continue;
    state(e.type, e.content, e.state_key);
  }
  if (req.name !== undefined) state('m.room.name', { name: req.name });
  if (req.topic !== undefined) {
    state('m.room.topic', { topic: req.topic, 'm.topic': { 'm.text': [{ mimetype: 'text/plain', body: req.topic }] } });
  }
  return { version: req.version, creator, createContent: createContentOf(req), then };
}
