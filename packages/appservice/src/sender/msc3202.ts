/**
 * MSC3202's parts of a transaction, for appservices that encrypt on behalf of
 * their users (`org.matrix.msc3202: true`): device list changes of users who
 * share a room with one of its users, and the one-time key counts and unused
 * fallback key types of the devices of its users the transaction concerns
 * (as Synapse computes them: users named by the transaction's content).
 */
import type { Queryable } from '@lattice/storage';
import type { Appservice } from '../registration/appservice.js';
import type { StreamCursor } from './txn-store.js';

export interface DeviceLists {
  changed: string[];
  /** Users no longer sharing a room; not tracked here (always empty). */
  left: string[];
}

export async function readDeviceLists(db: Queryable, bound: number, as: Appservice, cursor: StreamCursor): Promise<DeviceLists> {
  if (bound <= cursor.device_lists) return { changed: [], left: [] };
  const { rows } = await db.query<{ user_id: string }>(
    'SELECT DISTINCT user_id FROM device_list_changes WHERE stream_id > $1 AND stream_id <= $2 AND observer IS NULL',
    [cursor.device_lists, bound],
  );
  cursor.device_lists = bound;
  const changed: string[] = [];
  for (const { user_id: userId } of rows) {
    if (as.isInterestedInUser(userId) || (await sharesRoomWith(db, as, userId))) changed.push(userId);
  }
  return { changed, left: [] };
}

async function sharesRoomWith(db: Queryable, as: Appservice, userId: string): Promise<boolean> {
  const { rows } = await db.query<{ user_id: string }>(
    `SELECT DISTINCT b.user_id FROM current_state_events a
     JOIN local_current_membership b ON b.room_id = a.room_id AND b.membership = 'join'
     WHERE a.type = 'm.room.member' AND a.state_key = $1 AND a.membership = 'join'`,
    [userId],
  );
  return rows.some((r) => as.isInterestedInUser(r.user_id));
}

/** The appservice's users a transaction body names: senders, member targets, to-device recipients, typers, receipt owners. */
export function usersConcerned(as: Appservice, body: Record<string, unknown>): string[] {
  const users = new Set<string>();
  const add = (id: unknown) => typeof id === 'string' && as.isInterestedInUser(id) && users.add(id);
  for (const e of (body.events ?? []) as Array<Record<string, unknown>>) {
    add(e.sender);
    if (e.type === 'm.room.member') add(e.state_key);
  }
  for (const m of (body['de.sorunome.msc2409.to_device'] ?? []) as Array<Record<string, unknown>>) add(m.to_user_id);
  for (const e of (body.ephemeral ?? []) as Array<{ type: string; sender?: string; content: Record<string, unknown> }>) {
    add(e.sender);
    if (e.type === 'm.typing') for (const id of (e.content.user_ids ?? []) as unknown[]) add(id);
    if (e.type === 'm.receipt') for (const byType of Object.values(e.content)) for (const byUser of Object.values(byType as object)) Object.keys(byUser as object).forEach(add);
  }
  const lists = body['org.matrix.msc3202.device_lists'] as DeviceLists | undefined;
  for (const id of lists?.changed ?? []) add(id);
  return [...users];
}

type PerDevice<T> = Record<string, Record<string, T>>;

/** One-time key counts per algorithm and unused fallback key types of every device of `users`. */
export async function keyCounts(db: Queryable, users: readonly string[]): Promise<Record<string, unknown>> {
  if (users.length === 0) return {};
  const counts: PerDevice<Record<string, number>> = {};
  const fallbacks: PerDevice<string[]> = {};
  const devices = await db.query<{ user_id: string; device_id: string }>('SELECT user_id, device_id FROM devices WHERE user_id = ANY($1::text[])', [users]);
  for (const d of devices.rows) {
    (counts[d.user_id] ??= {})[d.device_id] = {};
    (fallbacks[d.user_id] ??= {})[d.device_id] = [];
  }
  const otks = await db.query<{ user_id: string; device_id: string; algorithm: string; n: string }>(
    `SELECT user_id, device_id, algorithm, count(*) AS n FROM e2e_one_time_keys WHERE user_id = ANY($1::text[])
     GROUP BY user_id, device_id, algorithm`,
    [users],
  );
  for (const r of otks.rows) {
    const device = counts[r.user_id]?.[r.device_id];
    if (device) device[r.algorithm] = Number(r.n);
  }
  const unused = await db.query<{ user_id: string; device_id: string; algorithm: string }>(
    'SELECT user_id, device_id, algorithm FROM e2e_fallback_keys WHERE user_id = ANY($1::text[]) AND NOT used',
    [users],
  );
  for (const r of unused.rows) fallbacks[r.user_id]?.[r.device_id]?.push(r.algorithm);
  return {
    'org.matrix.msc3202.device_one_time_keys_count': counts,
    // The name Synapse first sent; mautrix still reads it.
    'org.matrix.msc3202.device_one_time_key_counts': counts,
    'org.matrix.msc3202.device_unused_fallback_key_types': fallbacks,
  };
}
