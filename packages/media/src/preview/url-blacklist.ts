/**
 * Synapse's url_preview_url_blacklist: each entry maps URL components to a
 * pattern, a glob (* and ?) or a regular expression when it starts with '^';
 * a URL is refused when it matches every component of some entry.
 */

const COMPONENTS = ['scheme', 'netloc', 'hostname', 'port', 'path', 'query', 'fragment', 'username', 'password'] as const;
type Component = (typeof COMPONENTS)[number];

type Matcher = Array<[Component, RegExp]>;

export class UrlBlacklist {
  private readonly entries: Matcher[];

  constructor(entries: ReadonlyArray<Record<string, string>>) {
    this.entries = entries.map((entry) =>
      Object.entries(entry).map(([key, pattern]): [Component, RegExp] => {
        if (!(COMPONENTS as readonly string[]).includes(key)) throw new Error(`url_preview_url_blacklist: unknown component '${key}'`);
        return [key as Component, compile(pattern)];
      }),
    );
  }

  isBlocked(url: URL): boolean {
    const parts = componentsOf(url);
    // An empty entry would block everything; Synapse treats it the same way, so keep the meaning.
    return this.entries.some((entry) => entry.every(([key, re]) => re.test(parts[key])));
  }
}

function compile(pattern: string): RegExp {
  if (pattern.startsWith('^')) return new RegExp(pattern);
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** The names Python's urlsplit gives the parts, which the Synapse format uses. */
function componentsOf(url: URL): Record<Component, string> {
  return {
    scheme: url.protocol.slice(0, -1),
    netloc: url.host,
    hostname: url.hostname,
    port: url.port,
    path: url.pathname,
    query: url.search.slice(1),
    fragment: url.hash.slice(1),
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}
