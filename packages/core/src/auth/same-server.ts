/**
 * Server-name comparisons the auth rules make on every event of some rooms
 * (m.federate, v1–5 aliases, v1–2 redactions), done in place without slicing.
 * Ids are `&localpart:server`, split at the first colon (appendices "Common Identifier Format").
 */

/** Do two ids share a server name? */
export function sameServerName(a: string, b: string): boolean {
  const i = a.indexOf(':');
  const j = b.indexOf(':');
  if (i < 0 || j < 0 || a.length - i !== b.length - j) return false;
  for (let k = 1; i + k < a.length; k++) if (a.charCodeAt(i + k) !== b.charCodeAt(j + k)) return false;
  return true;
}

/** Is `serverName` the server name of `id`? */
export function hasServerName(id: string, serverName: string): boolean {
  const i = id.indexOf(':');
  return i >= 0 && id.length - i - 1 === serverName.length && id.endsWith(serverName);
}
