/**
 * Reads of the users table in the shapes of Synapse's user admin API: the
 * page of GET /v2/users (filters, order, offset) and the account of
 * GET /v2/users/<user_id>. A user's last_seen_ts is the latest of their devices'.
 */
import type { Queryable } from '@lattice/storage';
import { likeContaining } from './like-pattern.js';

/** One entry of GET /v2/users. */
export interface UserSummary {
  name: string;
  is_guest: boolean;
  admin: boolean;
  user_type: string | null;
  deactivated: boolean;
  erased: boolean;
  shadow_banned: boolean;
  displayname: string | null;
  avatar_url: string | null;
  creation_ts: number;
  last_seen_ts: number | null;
  locked: boolean;
}

interface SummaryRow extends Omit<UserSummary, 'creation_ts' | 'last_seen_ts'> {
  creation_ts: string | number;
  last_seen_ts: string | number | null;
  appservice_id: string | null;
}

export const USER_ORDERS = [
  'name',
  'is_guest',
  'admin',
  'user_type',
  'deactivated',
  'shadow_banned',
  'displayname',
  'avatar_url',
  'creation_ts',
  'last_seen_ts',
] as const;
export type UserOrder = (typeof USER_ORDERS)[number];

export interface UserFilter {
  /** Substring of the localpart or the display name (case-insensitive). */
  name?: string;
  /** Substring of the user id; ignored when `name` is given. */
  userId?: string;
  guests: boolean;
  deactivated: boolean;
  locked: boolean;
  /** true: only admins; false: no admins; undefined: both. */
  admins?: boolean;
  /** User types to leave out; '' leaves out users without a type. */
  notUserTypes: string[];
}

const SUMMARY = `SELECT * FROM (
  SELECT u.user_id AS name, u.is_guest, u.admin, u.user_type, u.deactivated, u.erased, u.shadow_banned, u.locked,
         u.creation_ts, u.appservice_id, p.displayname, p.avatar_url,
         (SELECT max(d.last_seen_ts) FROM devices d WHERE d.user_id = u.user_id) AS last_seen_ts
  FROM users u LEFT JOIN profiles p ON p.user_id = u.user_id) s`;

function toSummary(row: SummaryRow): UserSummary {
  return {
    name: row.name,
    is_guest: row.is_guest,
    admin: row.admin,
    user_type: row.user_type,
    deactivated: row.deactivated,
    erased: row.erased,
    shadow_banned: row.shadow_banned,
    displayname: row.displayname,
    avatar_url: row.avatar_url,
    creation_ts: Number(row.creation_ts),
    last_seen_ts: row.last_seen_ts === null ? null : Number(row.last_seen_ts),
    locked: row.locked,
  };
}

function whereClause(filter: UserFilter, params: unknown[]): string {
  const conditions: string[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  if (filter.name !== undefined) {
    const p = param(likeContaining(filter.name));
    conditions.push(`(substr(s.name, 2, strpos(s.name, ':') - 2) ILIKE ${p} OR s.displayname ILIKE ${p})`);
  } else if (filter.userId !== undefined) {
    conditions.push(`s.name ILIKE ${param(likeContaining(filter.userId))}`);
  }
  if (!filter.guests) conditions.push('NOT s.is_guest');
  if (!filter.deactivated) conditions.push('NOT s.deactivated');
  if (!filter.locked) conditions.push('NOT s.locked');
  if (filter.admins !== undefined) conditions.push(filter.admins ? 's.admin' : 'NOT s.admin');
  const types = filter.notUserTypes.filter((t) => t !== '');
  if (types.length > 0) conditions.push(`(s.user_type IS NULL OR NOT s.user_type = ANY(${param(types)}::text[]))`);
  if (filter.notUserTypes.includes('')) conditions.push('s.user_type IS NOT NULL');
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

export async function listUsers(
  db: Queryable,
  filter: UserFilter,
  page: { from: number; limit: number; orderBy: UserOrder; backwards: boolean },
): Promise<{ users: UserSummary[]; total: number }> {
  const params: unknown[] = [];
  const where = whereClause(filter, params);
  const { rows: counted } = await db.query<{ total: number }>(`SELECT count(*) AS total FROM (${SUMMARY} ${where}) c`, params);
  const dir = page.backwards ? 'DESC' : 'ASC';
  // The column comes from USER_ORDERS, never from the request as such; ties go by ascending name, as in Synapse.
  const order = page.orderBy === 'name' ? `s.name ${dir}` : `s.${page.orderBy} ${dir}, s.name ASC`;
  const { rows } = await db.query<SummaryRow>(`${SUMMARY} ${where} ORDER BY ${order} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
    ...params,
    page.limit,
    page.from,
  ]);
  return { users: rows.map(toSummary), total: Number(counted[0]!.total) };
}

/** GET /v2/users/<user_id>: the summary and the fields only the single account shows. */
export async function userDetails(db: Queryable, userId: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await db.query<SummaryRow>(`${SUMMARY} WHERE s.name = $1`, [userId]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    ...toSummary(row),
    // No third-party ids, SSO mappings, consent tracking or suspension here: Synapse's empty values.
    threepids: [],
    external_ids: [],
    appservice_id: row.appservice_id,
    consent_server_notice_sent: null,
    consent_version: null,
    consent_ts: null,
    suspended: false,
  };
}
