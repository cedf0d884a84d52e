/**
 * Which rooms and events another server may read (server-server API: every
 * read endpoint answers 403 for servers the room's ACL denies, and for rooms
 * the server is not in; an event is served only when history visibility lets
 * one of the server's users see it). A server's users are those whose id ends
 * in `:<server>`.
 */
import { Errors, serverNameOf, splitStateKey, stateKeyOf, type StateMap } from '@lattice/core';
import type { RoomStore } from '@lattice/rooms';
import { serverAclAllows } from './server-acl.js';

/** Throws 403 M_FORBIDDEN when the room's current ACL denies the server. */
export async function checkServerAcl(store: RoomStore, roomId: string, server: string): Promise<void> {
  const acl = await store.currentStateEvent(roomId, 'm.room.server_acl', '');
  if (!serverAclAllows(acl?.event.content, server)) throw Errors.forbidden(`Server ${server} is banned from this room by its ACL`);
}

/** Memberships of the server's users in a state. */
async function memberships(store: RoomStore, state: StateMap, server: string): Promise<string[]> {
  const ids: string[] = [];
  for (const [key, id] of state) {
    const [type, stateKey] = splitStateKey(key);
    if (type === 'm.room.member' && serverNameOf(stateKey) === server) ids.push(id);
  }
  if (ids.length === 0) return [];
  const events = await store.getEvents(ids);
  return [...events.values()].map((e) => String(e.event.content['membership']));
}

/**
 * The room must be known, allowed by its ACL, and the server must currently have a joined
 * user in it (M_FORBIDDEN otherwise; an unknown room is M_NOT_FOUND).
 */
export async function checkServerInRoom(store: RoomStore, roomId: string, server: string): Promise<void> {
  if ((await store.roomVersion(roomId)) === undefined) throw Errors.notFound(`Unknown room ${roomId}`);
  await checkServerAcl(store, roomId, server);
  const state = await store.currentState(roomId);
  if (!(await memberships(store, state, server)).includes('join')) {
    throw Errors.forbidden(`Server ${server} is not in room ${roomId}`);
  }
}

/**
 * Whether the server may see the event (history visibility at the event, as
 * Synapse's filter_events_for_server): world_readable always; otherwise a user of
 * the server joined at the event, or invited under 'invited', or, under 'shared',
 * one of its users is joined now.
 */
export async function serverMaySeeEvent(store: RoomStore, eventId: string, server: string): Promise<boolean> {
  const stored = await store.getEvent(eventId);
  if (stored === undefined || stored.outlier) return false;
  const roomId = stored.event.room_id;
  let state: StateMap;
  try {
    state = await store.stateBeforeEvent(eventId);
  } catch {
    return false;
  }
  const hvId = state.get(stateKeyOf('m.room.history_visibility', ''));
  const hv = hvId === undefined ? 'shared' : String((await store.getEvent(hvId))?.event.content['history_visibility'] ?? 'shared');
  if (hv === 'world_readable') return true;
  const atEvent = await memberships(store, state, server);
  if (atEvent.includes('join')) return true;
  if (hv === 'invited' && atEvent.includes('invite')) return true;
  if (hv === 'shared') return (await memberships(store, await store.currentState(roomId), server)).includes('join');
  return false;
}
