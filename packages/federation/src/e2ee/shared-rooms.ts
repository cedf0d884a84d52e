/**
 * Who shares a room with whom, for device list tracking across servers: a
 * remote user is "tracked" while they are joined to a room with a local user
 * (only then do their server's device list updates reach us), and a local
 * user's updates go to every server with a member joined to one of their rooms.
 */
import type { Queryable } from '@lattice/storage';
import { serverNameOf } from '@lattice/core';

/** True while the (remote) user is joined to a room that a local user is joined to. */
export async function sharesRoomWithLocalUser(db: Queryable, userId: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM current_state_events r
     JOIN local_current_membership l ON l.room_id = r.room_id AND l.membership = 'join'
     WHERE r.type = 'm.room.member' AND r.state_key = $1 AND r.membership = 'join' LIMIT 1`,
    [userId],
  );
  return rows.length > 0;
}

/** The users among `userIds` that share a room with a local user. */
export async function trackedAmong(db: Queryable, userIds: readonly string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const { rows } = await db.query<{ state_key: string }>(
    `SELECT DISTINCT r.state_key FROM current_state_events r
     JOIN local_current_membership l ON l.room_id = r.room_id AND l.membership = 'join'
     WHERE r.type = 'm.room.member' AND r.state_key = ANY($1::text[]) AND r.membership = 'join'`,
    [userIds],
  );
  return new Set(rows.map((r) => r.state_key));
}

/** Other servers with a member joined to a room the local user is joined to. */
export async function serversSharingRoomsWith(db: Queryable, userId: string, ownServer: string): Promise<string[]> {
  const { rows } = await db.query<{ state_key: string }>(
    `SELECT DISTINCT c.state_key FROM local_current_membership l
     JOIN current_state_events c ON c.room_id = l.room_id AND c.type = 'm.room.member' AND c.membership = 'join'
     WHERE l.user_id = $1 AND l.membership = 'join'`,
    [userId],
  );
  const servers = new Set<string>();
  for (const r of rows) {
    const server = serverNameOf(r.state_key);
    if (server !== undefined && server !== ownServer) servers.add(server);
  }
  return [...servers];
}
