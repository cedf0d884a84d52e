/**
 * The presence table: one row per user holding their latest state at the
 * presence stream position of its last change. Who may see a row is decided
 * at read time by room membership (users who share a joined room), so a write
 * costs one row however many rooms and co-members the user has.
 */
import type { Queryable } from '@lattice/storage';
import type { PresenceState, UserPresence } from './presence-state.js';

interface PresenceRow {
  user_id: string;
  state: string;
  status_msg: string | null;
  last_active_ts: number;
  last_user_sync_ts: number;
  currently_active: boolean;
}

export interface StoredPresence extends UserPresence {
  streamId: number;
}

const COLUMNS = 'user_id, state, status_msg, last_active_ts, last_user_sync_ts, currently_active, stream_id';

function fromRow(r: PresenceRow & { stream_id: number }): StoredPresence {
  return {
    userId: r.user_id,
    state: r.state as PresenceState,
    statusMsg: r.status_msg,
    lastActiveTs: r.last_active_ts,
    lastUserSyncTs: r.last_user_sync_ts,
    currentlyActive: r.currently_active,
    streamId: r.stream_id,
  };
}

async function select(db: Queryable, where: string, params: unknown[]): Promise<StoredPresence[]> {
  const { rows } = await db.query<PresenceRow & { stream_id: number }>(`SELECT ${COLUMNS} FROM presence p WHERE ${where}`, params);
  return rows.map(fromRow);
}

export async function writePresence(db: Queryable, presence: UserPresence, streamId: number): Promise<void> {
  await db.query(
    `INSERT INTO presence (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (user_id) DO UPDATE SET state = EXCLUDED.state, status_msg = EXCLUDED.status_msg,
       last_active_ts = EXCLUDED.last_active_ts, last_user_sync_ts = EXCLUDED.last_user_sync_ts,
       currently_active = EXCLUDED.currently_active, stream_id = EXCLUDED.stream_id`,
    [presence.userId, presence.state, presence.statusMsg, presence.lastActiveTs, presence.lastUserSyncTs, presence.currentlyActive, streamId],
  );
}

export async function loadPresence(db: Queryable, userId: string): Promise<StoredPresence | undefined> {
  return (await select(db, 'p.user_id = $1', [userId]))[0];
}

/** Every user not offline: the writer's working set at start-up (the timers must cover them). */
export function loadNotOffline(db: Queryable): Promise<StoredPresence[]> {
  return select(db, "p.state <> 'offline'", []);
}

/** `p.user_id` is the observer or joined to one of `$rooms` (the observer's joined rooms). */
const VISIBLE_TO = (observer: string, rooms: string) => `(p.user_id = ${observer} OR EXISTS (
  SELECT 1 FROM current_state_events c
  WHERE c.room_id = ANY(${rooms}::text[]) AND c.type = 'm.room.member' AND c.state_key = p.user_id AND c.membership = 'join'))`;

export interface PresenceChange extends StoredPresence {
  /** The rooms the user is joined to (read with the change): who may see it. */
  rooms: string[];
}

/**
 * Every presence change at positions in (from, to], with the changed user's
 * joined rooms, whoever observes: the same answer serves every sync woken by
 * the same change (ChangedPresenceCache), and each checks the rooms against
 * its own in memory. Two index reads (changed rows by stream position, then
 * their rooms by user), so the plan does not depend on table statistics.
 * Rooms come from local_current_membership for local users; remote users'
 * (presence from m.presence EDUs) have none there, so theirs come from
 * current state (joinedRoomsOf).
 */
export async function presenceChangesBetween(db: Queryable, from: number, to: number): Promise<PresenceChange[]> {
  const changed = await select(db, 'p.stream_id > $1 AND p.stream_id <= $2', [from, to]);
  if (changed.length === 0) return [];
  const { rows } = await db.query<{ user_id: string; room_id: string }>(
    "SELECT user_id, room_id FROM local_current_membership WHERE user_id = ANY($1::text[]) AND membership = 'join'",
    [changed.map((p) => p.userId)],
  );
  const rooms = new Map<string, string[]>();
  const add = (userId: string, roomId: string): void => {
    const list = rooms.get(userId);
    if (list) list.push(roomId);
    else rooms.set(userId, [roomId]);
  };
  for (const r of rows) add(r.user_id, r.room_id);
  const remote = await joinedRoomsOf(db, changed.filter((p) => !rooms.has(p.userId)).map((p) => p.userId));
  for (const r of remote) add(r.userId, r.roomId);
  return changed.map((p) => ({ ...p, rooms: rooms.get(p.userId) ?? [] }));
}

/** Rooms users are joined to per current state (remote users: their memberships by user, checked against current state). */
export async function joinedRoomsOf(db: Queryable, userIds: readonly string[]): Promise<Array<{ userId: string; roomId: string }>> {
  if (userIds.length === 0) return [];
  const { rows } = await db.query<{ user_id: string; room_id: string }>(
    `SELECT DISTINCT m.user_id, m.room_id FROM room_memberships m
     JOIN current_state_events c ON c.room_id = m.room_id AND c.type = 'm.room.member' AND c.state_key = m.user_id AND c.membership = 'join'
     WHERE m.user_id = ANY($1::text[])`,
    [userIds],
  );
  return rows.map((r) => ({ userId: r.user_id, roomId: r.room_id }));
}

/** Presence of the observer and every user sharing a joined room with them, at or below `to`, offline users left out (initial sync). */
export function presenceOfCoMembers(db: Queryable, observerId: string, roomIds: readonly string[], to: number): Promise<StoredPresence[]> {
  return select(db, `p.state <> 'offline' AND p.stream_id <= $1 AND ${VISIBLE_TO('$2', '$3')}`, [to, observerId, roomIds]);
}

/**
 * Presence not offline that the observer starts to see through joins at
 * events positions in (fromEvents, toEvents]: everyone in a room the observer
 * joined, and whoever joined one of the observer's rooms. Their rows may be
 * older than the sync's `since`, so the changed rows alone would miss them.
 */
export function presenceOfNewCoMembers(
  db: Queryable,
  observerId: string,
  roomIds: readonly string[],
  fromEvents: number,
  toEvents: number,
  to: number,
): Promise<StoredPresence[]> {
  return select(
    db,
    `p.state <> 'offline' AND p.stream_id <= $1 AND p.user_id IN (
       SELECT m.user_id FROM room_memberships m
       WHERE m.room_id = ANY($3::text[]) AND m.membership = 'join' AND m.stream_ordering > $4 AND m.stream_ordering <= $5
       UNION
       SELECT c.state_key FROM current_state_events c
       WHERE c.type = 'm.room.member' AND c.membership = 'join' AND c.room_id IN (
         SELECT j.room_id FROM room_memberships j
         WHERE j.user_id = $2 AND j.membership = 'join' AND j.stream_ordering > $4 AND j.stream_ordering <= $5
           AND j.room_id = ANY($3::text[])))`,
    [to, observerId, roomIds, fromEvents, toEvents],
  );
}

/** The two users share a room both are joined to (the observer is local). */
export async function sharesJoinedRoom(db: Queryable, observerId: string, observedId: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM local_current_membership m
     JOIN current_state_events c ON c.room_id = m.room_id AND c.type = 'm.room.member' AND c.state_key = $2 AND c.membership = 'join'
     WHERE m.user_id = $1 AND m.membership = 'join' LIMIT 1`,
    [observerId, observedId],
  );
  return rows.length > 0;
}
