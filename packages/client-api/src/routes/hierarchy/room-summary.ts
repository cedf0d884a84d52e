/**
 * A local room's summary as the hierarchy lists it (definitions/room_summary.yaml:
 * the PublishedRoomsChunk fields plus room_type, allowed_room_ids, encryption and
 * room_version), read from current state, together with the facts the
 * accessibility rules need (join rule, allow list, history visibility).
 */
import type { RoomVersion } from '@lattice/core';
import type { StoredEvent } from '@lattice/rooms';
import type { ClientApiContext } from '../../context.js';
import { STATE_TYPES, type PublicRoomsChunk } from '../directory/public-rooms-query.js';

/** RoomSummary: the directory's PublishedRoomsChunk plus what room_summary.yaml adds. */
export interface RoomSummary extends PublicRoomsChunk {
  allowed_room_ids?: string[];
  encryption?: string;
  room_version?: string;
}

export interface LocalRoom {
  summary: RoomSummary;
  version: RoomVersion;
  /** The room's m.space.child events (state key = child room id). */
  childEvents: StoredEvent[];
}

const SUMMARY_TYPES = [...STATE_TYPES, 'm.room.encryption', 'm.space.child'];

const RESTRICTED_RULES = new Set(['restricted', 'knock_restricted']);

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The rooms of a restricted join rule's allow list (`m.room_membership` conditions). */
export function allowedRoomIds(joinRules: Record<string, unknown> | undefined): string[] {
  const allow = joinRules?.['allow'];
  if (!Array.isArray(allow)) return [];
  return allow.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { type, room_id: roomId } = entry as Record<string, unknown>;
    return type === 'm.room_membership' && typeof roomId === 'string' ? [roomId] : [];
  });
}

/** undefined when this server does not know the room. */
export async function loadLocalRoom(ctx: ClientApiContext, roomId: string): Promise<LocalRoom | undefined> {
  const { store } = ctx.rooms;
  const version = await store.roomVersion(roomId);
  if (version === undefined) return undefined;
  const [state, members] = await Promise.all([store.currentStateEvents(roomId, { types: SUMMARY_TYPES }), store.joinedMembers(roomId)]);
  const content = (type: string): Record<string, unknown> | undefined => state.find((s) => s.event.type === type && s.event.state_key === '')?.event.content;

  const joinRules = content('m.room.join_rules');
  const summary: RoomSummary = {
    room_id: roomId,
    num_joined_members: members.size,
    world_readable: content('m.room.history_visibility')?.['history_visibility'] === 'world_readable',
    guest_can_join: content('m.room.guest_access')?.['guest_access'] === 'can_join',
    room_version: version.id,
  };
  const fields: Array<[keyof RoomSummary, unknown]> = [
    ['name', content('m.room.name')?.['name']],
    ['topic', content('m.room.topic')?.['topic']],
    ['canonical_alias', content('m.room.canonical_alias')?.['alias']],
    ['avatar_url', content('m.room.avatar')?.['url']],
    ['join_rule', joinRules?.['join_rule']],
    ['room_type', content('m.room.create')?.['type']],
    ['encryption', content('m.room.encryption')?.['algorithm']],
  ];
  for (const [key, value] of fields) {
    const text = nonEmptyString(value);
    if (text !== undefined) (summary as unknown as Record<string, unknown>)[key] = text;
  }
  if (summary.join_rule !== undefined && RESTRICTED_RULES.has(summary.join_rule)) {
    const allowed = allowedRoomIds(joinRules);
    if (allowed.length > 0) summary.allowed_room_ids = allowed;
  }
  return { summary, version, childEvents: state.filter((s) => s.event.type === 'm.space.child') };
}
