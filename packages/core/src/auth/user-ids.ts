/**
 * The identifier checks the auth rules need: user id validity (historical
 * grammar, which servers MUST accept) and the server name of an id.
 * Source: content/appendices.md "User Identifiers", "Server Name".
 */

const SERVER_NAME = /^(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[0-9A-Fa-f:.]{2,45}\]|[0-9A-Za-z.-]{1,255})(?::\d{1,5})?$/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The server name of a sigil-prefixed id (`@user:server`, `!room:server`, `$event:server`):
 *  everything after the first colon, or '' when there is none. */
export function serverNameOf(id: string): string {
  const i = id.indexOf(':');
  return i < 0 ? '' : id.slice(i + 1);
}

/** Do two ids share a server name? Compares in place, without slicing. */
export function sameServerName(a: string, b: string): boolean {
  const i = a.indexOf(':');
  const j = b.indexOf(':');
  if (i < 0 || j < 0) return false;
  if (a.length - i !== b.length - j) return false;
  for (let k = 1; i + k < a.length; k++) if (a.charCodeAt(i + k) !== b.charCodeAt(j + k)) return false;
  return true;
}

export function isValidServerName(name: string): boolean {
  return SERVER_NAME.test(name);
}

/** A user id as servers must accept it: `@`, a historical localpart (any code points
 *  but `:` and NUL, possibly empty), `:`, a server name; at most 255 bytes. */
export function isValidUserId(id: unknown): id is string {
  if (typeof id !== 'string' || id.length < 3 || id.charCodeAt(0) !== 0x40) return false;
  const colon = id.indexOf(':');
  if (colon < 0 || id.indexOf('\u0000') >= 0) return false;
  if (id.length > 255 / 3 && Buffer.byteLength(id, 'utf8') > 255) return false;
  if (LONE_SURROGATE.test(id)) return false;
  return isValidServerName(id.slice(colon + 1));
}
