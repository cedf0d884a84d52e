/**
 * The replacement room (spec "Server behaviour", steps 2 and 3): its create
 * event (the new room_version; `predecessor`; the old room's `type` and
 * `m.federate`; additional_creators when the new version has them) and the
 * state that follows it, all sent by the upgrader: their join, the power levels
 * (see upgrade-power-levels.ts), the transferable state the spec recommends,
 * the space's children (a space stays a space, as Synapse copies them) and the
 * bans (MSC4167, as Synapse does). Other members cannot be copied: the server
 * cannot send their joins.
 */
import { effectivePowerLevels, stateKeyOf, type RoomEvent, type RoomVersion } from '@lattice/core';
import type { CreateRoomOptions, EventDraft, StoredEvent } from '@lattice/rooms';
import { newRoomLevels } from './upgrade-power-levels.js';
import type { UpgradeRequest } from './upgrade-request.js';

type Draft = Omit<EventDraft, 'room_id'>;

/** State copied as is (state key ''). */
export const TRANSFERABLE_STATE = [
  'm.room.server_acl',
  'm.room.encryption',
  'm.room.name',
  'm.room.avatar',
  'm.room.topic',
  'm.room.guest_access',
  'm.room.history_visibility',
  'm.room.join_rules',
];

/** Create content keys carried over from the old room. */
const CARRIED_CREATE_KEYS = ['type', 'm.federate'];

export interface OldRoom {
  roomId: string;
  version: RoomVersion;
  /** The old room's current state events. */
  state: readonly StoredEvent[];
  /** The last event of the old room before the upgrade (predecessor.event_id before v12). */
  lastEventId: string;
}

export function planReplacementRoom(
  old: OldRoom,
  upgrader: string,
  request: UpgradeRequest,
  upgraderProfile: Record<string, string>,
): CreateRoomOptions {
  const byKey = new Map(old.state.map((s) => [stateKeyOf(s.event.type, s.event.state_key ?? ''), s.event]));
  const get = (type: string, stateKey = ''): RoomEvent | undefined => byKey.get(stateKeyOf(type, stateKey));
  const create = get('m.room.create');
  const { version } = request;

  const createContent: Record<string, unknown> = {};
  for (const key of CARRIED_CREATE_KEYS) if (create?.content[key] !== undefined) createContent[key] = create.content[key];
  // v12 room ids derive from the create event, which a tombstone naming the new room must follow: no event id then.
  createContent['predecessor'] = version.roomIdFromCreateEvent ? { room_id: old.roomId } : { room_id: old.roomId, event_id: old.lastEventId };
  if (version.privilegedCreators && request.additionalCreators.length > 0) createContent['additional_creators'] = request.additionalCreators;

  const creators = [upgrader, ...request.additionalCreators];
  const oldLevels = effectivePowerLevels((type, stateKey) => get(type, stateKey), old.version);
  const levels = newRoomLevels(oldLevels, old.version, version, creators, upgrader);

  // A ban needs more power than its target has; one the upgrader could not send stays in the old room only.
  const upgraderLevel = version.privilegedCreators ? Infinity : ((levels.initial['users'] as Record<string, number>)[upgrader] ?? oldLevels.usersDefault);
  const bannable = (userId: string) => !creators.includes(userId) && (oldLevels.users.get(userId) ?? oldLevels.usersDefault) < upgraderLevel;

  const then: Draft[] = [];
  const state = (type: string, stateKey: string, content: Record<string, unknown>) => then.push({ type, state_key: stateKey, sender: upgrader, content });
  state('m.room.member', upgrader, { membership: 'join', ...upgraderProfile });
  state('m.room.power_levels', '', levels.initial);
  for (const type of TRANSFERABLE_STATE) {
    const event = get(type);
    if (event !== undefined && Object.keys(event.content).length > 0) state(type, '', event.content);
  }
  for (const s of old.state) {
    const { type, state_key: stateKey, content } = s.event;
    if (stateKey === undefined) continue;
    if (type === 'm.space.child' && Array.isArray(content['via']) && content['via'].length > 0) state(type, stateKey, content);
    if (type === 'm.room.member' && content['membership'] === 'ban' && bannable(stateKey)) {
      state(type, stateKey, typeof content['reason'] === 'string' ? { membership: 'ban', reason: content['reason'] } : { membership: 'ban' });
    }
  }
  if (levels.final !== levels.initial) state('m.room.power_levels', '', levels.final);
  return { version, creator: upgrader, createContent, then };
}
