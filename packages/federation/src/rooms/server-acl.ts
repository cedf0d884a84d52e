/**
 * Server ACLs (client-server "Server Access Control Lists", m.room.server_acl):
 * a server may take part in a room only if its name (without port) matches an
 * `allow` glob and no `deny` glob, and, when allow_ip_literals is false, is not
 * an IP literal. Without the state event every server is allowed.
 */

const compiled = new Map<string, RegExp>();

/** `*` any run of characters, `?` exactly one, the rest literal. */
function globSource(glob: string): string {
  return glob.replace(/[\\^$.+()[\]{}|/]/g, '\\$&').replace(/\*+/g, '.*').replace(/\?/g, '.');
}

function globMatches(glob: string, value: string): boolean {
  let re = compiled.get(glob);
  if (re === undefined) {
    re = new RegExp(`^${globSource(glob)}$`, 'is');
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(glob, re);
  }
  return re.test(value);
}

/** The host part of a server name: `[v6]:port` → `[v6]`, `host:port` → `host`. */
export function hostOf(serverName: string): string {
  if (serverName.startsWith('[')) return serverName.slice(0, serverName.indexOf(']') + 1);
  const colon = serverName.lastIndexOf(':');
  return colon === -1 ? serverName : serverName.slice(0, colon);
}

function isIpLiteral(host: string): boolean {
  return host.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

export function serverAclAllows(content: Record<string, unknown> | undefined, serverName: string): boolean {
  if (content === undefined) return true;
  const host = hostOf(serverName);
  if (content['allow_ip_literals'] === false && isIpLiteral(host)) return false;
  const globs = (key: string): string[] => {
    const v = content[key];
    return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string') : [];
  };
  if (globs('deny').some((g) => globMatches(g, host))) return false;
  return globs('allow').some((g) => globMatches(g, host));
}
