/**
 * The user id rules that apply when *this* server allocates ids
 * (appendices "User Identifiers"): lower-case `a-z 0-9 . _ = - / +`, the whole
 * id at most 255 bytes. Clients may type upper case: we map it to lower case,
 * which the spec allows ("map the provided username onto a user_id in a
 * logical manner").
 */
import { Errors, type MatrixError } from '@lattice/core';

const LOCALPART = /^[a-z0-9._=\-/+]+$/;
const MAX_USER_ID_BYTES = 255;

export function userIdOf(localpart: string, serverName: string): string {
  return `@${localpart}:${serverName}`;
}

/** The localpart to register for a requested username, or the M_INVALID_USERNAME error. */
export function normaliseLocalpart(username: string, serverName: string): string | MatrixError {
  const localpart = username.toLowerCase();
  if (localpart.length === 0) return Errors.invalidUsername('User ID cannot be empty');
  if (!LOCALPART.test(localpart)) {
    return Errors.invalidUsername("User ID can only contain characters a-z, 0-9, or '=_-./+'");
  }
  // '_' prefixes are conventionally reserved for application services and bridges.
  if (localpart.startsWith('_')) return Errors.invalidUsername('User ID may not begin with _');
  // Numeric ids are kept free for guest accounts, as Synapse does.
  if (/^\d+$/.test(localpart)) return Errors.invalidUsername('Numeric user IDs are reserved for guest users');
  if (Buffer.byteLength(userIdOf(localpart, serverName), 'utf8') > MAX_USER_ID_BYTES) {
    return Errors.invalidUsername('User ID is too long');
  }
  return localpart;
}

/**
 * The local user id a login identifier names (`@alice:server` or `alice`), or
 * undefined when it names a user on another server.
 */
export function localUserIdFromIdentifier(user: string, serverName: string): string | undefined {
  if (!user.startsWith('@')) return userIdOf(user, serverName);
  const colon = user.indexOf(':');
  if (colon < 0 || user.slice(colon + 1) !== serverName) return undefined;
  return user;
}
