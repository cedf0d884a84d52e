/**
 * The body of PUT /_synapse/admin/v2/users/<user_id>, checked field by field
 * before anything is written (400 M_INVALID_PARAM for a wrong type or value).
 * Absent fields leave the account as it is.
 */
import { optionalBoolean, optionalString } from '@lattice/client-api';
import { Errors } from '@lattice/core';

/** Synapse's user types; null clears it. */
const USER_TYPES = new Set(['bot', 'support']);
/** Synapse refuses longer passwords outright. */
const MAX_PASSWORD_LENGTH = 512;

export interface UserChange {
  password?: string;
  logoutDevices: boolean;
  /** null: remove (the request's ""). */
  displayname?: string | null;
  avatarUrl?: string | null;
  admin?: boolean;
  deactivated?: boolean;
  locked?: boolean;
  userType?: string | null;
}

/** Profile fields: "" removes the field. */
function profileField(body: Record<string, unknown>, key: string): string | null | undefined {
  const value = optionalString(body, key);
  return value === '' ? null : value;
}

/** Without a table of third-party ids or SSO mappings, only "none" can be stored. */
function refuseUnsupportedList(body: Record<string, unknown>, key: string, what: string): void {
  const value = body[key];
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) throw Errors.invalidParam(`'${key}' must be an array`);
  if (value.length > 0) throw Errors.invalidParam(`${what} are not supported by this server`);
}

export function parseUserChange(body: Record<string, unknown>): UserChange {
  const password = optionalString(body, 'password');
  if (password !== undefined && password.length > MAX_PASSWORD_LENGTH) throw Errors.invalidParam('Invalid password');
  const avatarUrl = profileField(body, 'avatar_url');
  if (avatarUrl && !avatarUrl.startsWith('mxc://')) throw Errors.invalidParam("'avatar_url' must be an mxc:// URI");
  refuseUnsupportedList(body, 'threepids', 'Third-party identifiers');
  refuseUnsupportedList(body, 'external_ids', 'External identity provider mappings');
  let userType: string | null | undefined;
  if ('user_type' in body) {
    const value = body.user_type;
    if (value !== null && (typeof value !== 'string' || !USER_TYPES.has(value))) throw Errors.invalidParam('Invalid user type');
    userType = value;
  }
  return {
    password,
    logoutDevices: optionalBoolean(body, 'logout_devices') ?? true,
    displayname: profileField(body, 'displayname'),
    avatarUrl,
    admin: optionalBoolean(body, 'admin'),
    deactivated: optionalBoolean(body, 'deactivated'),
    locked: optionalBoolean(body, 'locked'),
    userType,
  };
}
