/**
 * device_lists { changed, left } for a window of positions (sync, /keys/changes):
 * - changed: users sharing a room with the user now (or the user itself) whose
 *   devices or keys changed in the window, users the user started sharing a
 *   room with (the spec: clients must re-query them), and changes meant for
 *   this user alone (its user-signing signatures);
 * - left: users the user stopped sharing every room with in the window.
 */
import type { Queryable } from '@lattice/storage';

export interface DeviceListWindow {
  /** device_lists positions (fromExclusive, toInclusive]. */
  deviceLists: { from: number; to: number };
  /** events positions (fromExclusive, toInclusive]: membership changes. */
  events: { from: number; to: number };
}

export interface DeviceListUpdates {
  changed: string[];
  left: string[];
}

export async function deviceListUpdates(
  db: Queryable,
  userId: string,
  joinedRoomIds: readonly string[],
  window: DeviceListWindow,
): Promise<DeviceListUpdates> {
  const joined = [...joinedRoomIds];
  const changed = new Set<string>();
  const leftCandidates = new Set<string>();

  if (window.deviceLists.to > window.deviceLists.from) {
    const { rows } = await db.query<{ user_id: string }>(
      `SELECT DISTINCT d.user_id FROM device_list_changes d
       WHERE d.stream_id > $1 AND d.stream_id <= $2
         AND (d.observer = $3 OR (d.observer IS NULL AND (d.user_id = $3 OR EXISTS (
           SELECT 1 FROM current_state_events c
           WHERE c.type = 'm.room.member' AND c.membership = 'join' AND c.state_key = d.user_id
             AND c.room_id = ANY($4::text[])))))`,
      [window.deviceLists.from, window.deviceLists.to, userId, joined],
    );
    for (const r of rows) changed.add(r.user_id);
  }

  if (window.events.to > window.events.from) {
    // The rooms to look at: joined now, or where the user's own membership changed (left ones).
    const { rows: own } = await db.query<{ room_id: string }>(
      'SELECT DISTINCT room_id FROM room_memberships WHERE user_id = $1 AND stream_ordering > $2 AND stream_ordering <= $3',
      [userId, window.events.from, window.events.to],
    );
    const rooms = [...new Set([...joined, ...own.map((r) => r.room_id)])];
    const { rows } = await db.query<{ user_id: string; room_id: string; membership: string }>(
      `SELECT user_id, room_id, membership FROM room_memberships
       WHERE room_id = ANY($3::text[]) AND stream_ordering > $1 AND stream_ordering <= $2
       ORDER BY stream_ordering`,
      [window.events.from, window.events.to, rooms],
    );
    const joinedSet = new Set(joined);
    const roomsJoined = new Set<string>();
    const roomsLeft = new Set<string>();
    for (const r of rows) {
      if (r.user_id === userId) {
        if (joinedSet.has(r.room_id)) {
          if (r.membership === 'join') roomsJoined.add(r.room_id);
        } else roomsLeft.add(r.room_id);
      } else if (joinedSet.has(r.room_id)) {
        if (r.membership === 'join') changed.add(r.user_id);
        else if (r.membership === 'leave' || r.membership === 'ban') leftCandidates.add(r.user_id);
      }
    }
    // Rooms the user joined or left in the window: every member is newly shared, or maybe no longer.
    if (roomsJoined.size > 0 || roomsLeft.size > 0) {
      const { rows: members } = await db.query<{ room_id: string; state_key: string }>(
        `SELECT room_id, state_key FROM current_state_events
         WHERE type = 'm.room.member' AND membership = 'join' AND room_id = ANY($1::text[])`,
        [[...roomsJoined, ...roomsLeft]],
      );
      for (const m of members) (roomsJoined.has(m.room_id) ? changed : leftCandidates).add(m.state_key);
    }
  }

  leftCandidates.delete(userId);
  if (leftCandidates.size > 0) {
    const { rows } = await db.query<{ state_key: string }>(
      `SELECT DISTINCT state_key FROM current_state_events
       WHERE type = 'm.room.member' AND membership = 'join' AND room_id = ANY($1::text[]) AND state_key = ANY($2::text[])`,
      [joined, [...leftCandidates]],
    );
    for (const r of rows) leftCandidates.delete(r.state_key);
  }
  for (const u of leftCandidates) changed.delete(u);
  return { changed: [...changed].sort(), left: [...leftCandidates].sort() };
}
