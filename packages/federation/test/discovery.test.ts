import { OutboundError } from '@lattice/core';
import {
  cachedHostResolver,
  cachedSrvLookup,
  pickSrvTarget,
  ServerResolver,
  WellKnownResolver,
  wellKnownTtl,
  type SrvLookup,
  type SrvRecord,
  type WellKnownFetch,
} from '../src/index.js';

const HOUR = 3600_000;

/** A well-known fetch answering from a table: a body (200), a status, or 'down' (no answer). */
function stubWellKnown(answers: Record<string, { body?: unknown; status?: number; cacheControl?: string } | 'down'>) {
  const calls: string[] = [];
  const fetch: WellKnownFetch = async (url) => {
    const host = new URL(url).hostname;
    calls.push(host);
    expect(url).toBe(`https://${host}/.well-known/matrix/server`);
    const answer = answers[host];
    if (answer === undefined || answer === 'down') throw new OutboundError('network', 'connect ECONNREFUSED');
    const headers = answer.cacheControl === undefined ? {} : { 'cache-control': answer.cacheControl };
    const body = Buffer.from(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {}));
    return { status: answer.status ?? 200, headers, body };
  };
  return { fetch, calls };
}

function stubSrv(records: Record<string, SrvRecord[]>): SrvLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (name: string) => {
    calls.push(name);
    return records[name] ?? [];
  };
  return Object.assign(lookup, { calls });
}

const srv = (name: string, port: number, priority = 10, weight = 0): SrvRecord => ({ name, port, priority, weight });

function resolverWith(
  wellKnown: Parameters<typeof stubWellKnown>[0],
  records: Record<string, SrvRecord[]> = {},
  hostMap?: Record<string, string>,
) {
  const wk = stubWellKnown(wellKnown);
  const srvLookup = stubSrv(records);
  const resolver = new ServerResolver({ wellKnown: new WellKnownResolver(wk.fetch), srv: srvLookup, ...(hostMap ? { hostMap } : {}) });
  return { resolver, wk, srvLookup };
}

describe('server discovery (server-server API "Resolving server names")', () => {
  it('1. uses an IP literal as it is, on 8448 or its port, Host = the server name', async () => {
    const { resolver, wk, srvLookup } = resolverWith({});
    expect(await resolver.resolve('192.0.2.7')).toEqual({ tlsHost: '192.0.2.7', port: 8448, connectHost: '192.0.2.7', hostHeader: '192.0.2.7' });
    expect(await resolver.resolve('[2001:db8::1]:8449')).toEqual({
      tlsHost: '[2001:db8::1]',
      port: 8449,
      connectHost: '[2001:db8::1]',
      hostHeader: '[2001:db8::1]:8449',
    });
    expect(wk.calls).toEqual([]);
    expect(srvLookup.calls).toEqual([]);
  });

  it('2. uses an explicit port without .well-known or SRV; the certificate is for the hostname', async () => {
    const { resolver, wk, srvLookup } = resolverWith({ 'example.org': { body: { 'm.server': 'elsewhere.example:443' } } });
    expect(await resolver.resolve('example.org:8450')).toEqual({
      tlsHost: 'example.org',
      port: 8450,
      connectHost: 'example.org',
      hostHeader: 'example.org:8450',
    });
    expect(wk.calls).toEqual([]);
    expect(srvLookup.calls).toEqual([]);
  });

  it('3.1 delegates through .well-known to an IP literal', async () => {
    const { resolver } = resolverWith({ 'example.org': { body: { 'm.server': '198.51.100.4:8443' } } });
    expect(await resolver.resolve('example.org')).toEqual({
      tlsHost: '198.51.100.4',
      port: 8443,
      connectHost: '198.51.100.4',
      hostHeader: '198.51.100.4:8443',
    });
  });

  it('3.2 delegates to a hostname with a port: Host is <delegated_hostname>:<delegated_port>, no SRV', async () => {
    const { resolver, srvLookup } = resolverWith({ 'example.org': { body: { 'm.server': 'matrix.example.org:443' } } });
    expect(await resolver.resolve('example.org')).toEqual({
      tlsHost: 'matrix.example.org',
      port: 443,
      connectHost: 'matrix.example.org',
      hostHeader: 'matrix.example.org:443',
    });
    expect(srvLookup.calls).toEqual([]);
  });

  it('3.3 delegates to a hostname without a port: SRV _matrix-fed._tcp of the delegated name, certificate for it', async () => {
    const { resolver, srvLookup } = resolverWith(
      { 'example.org': { body: { 'm.server': 'matrix.example.org' } } },
      { '_matrix-fed._tcp.matrix.example.org': [srv('fed1.example.net.', 8555)] },
    );
    expect(await resolver.resolve('example.org')).toEqual({
      tlsHost: 'matrix.example.org',
      port: 8555,
      connectHost: 'fed1.example.net',
      hostHeader: 'matrix.example.org',
    });
    expect(srvLookup.calls).toEqual(['_matrix-fed._tcp.matrix.example.org']);
  });

  it('3.4 falls back to the deprecated _matrix._tcp, then 3.5 to the delegated name on 8448', async () => {
    const legacy = resolverWith(
      { 'example.org': { body: { 'm.server': 'matrix.example.org' } } },
      { '_matrix._tcp.matrix.example.org': [srv('old.example.net', 8666)] },
    );
    expect(await legacy.resolver.resolve('example.org')).toMatchObject({ tlsHost: 'matrix.example.org', port: 8666, connectHost: 'old.example.net' });
    expect(legacy.srvLookup.calls).toEqual(['_matrix-fed._tcp.matrix.example.org', '_matrix._tcp.matrix.example.org']);

    const none = resolverWith({ 'example.org': { body: { 'm.server': 'matrix.example.org' } } });
    expect(await none.resolver.resolve('example.org')).toEqual({
      tlsHost: 'matrix.example.org',
      port: 8448,
      connectHost: 'matrix.example.org',
      hostHeader: 'matrix.example.org',
    });
  });

  it('4–6. without a usable .well-known: SRV on the server name (fed, then legacy), then the name on 8448', async () => {
    const fed = resolverWith({ 'example.org': { status: 404 } }, { '_matrix-fed._tcp.example.org': [srv('a.example.net', 1111)] });
    expect(await fed.resolver.resolve('example.org')).toEqual({ tlsHost: 'example.org', port: 1111, connectHost: 'a.example.net', hostHeader: 'example.org' });

    const legacy = resolverWith({ 'example.org': 'down' }, { '_matrix._tcp.example.org': [srv('b.example.net', 2222)] });
    expect(await legacy.resolver.resolve('example.org')).toEqual({ tlsHost: 'example.org', port: 2222, connectHost: 'b.example.net', hostHeader: 'example.org' });

    for (const body of ['not json', { 'm.server': 42 }, { other: 'x' }, { 'm.server': 'bad name!' }]) {
      const plain = resolverWith({ 'example.org': { body } });
      expect(await plain.resolver.resolve('example.org')).toEqual({ tlsHost: 'example.org', port: 8448, connectHost: 'example.org', hostHeader: 'example.org' });
    }
  });

  it('treats a "." SRV target as no service and prefers the lowest priority', async () => {
    const { resolver } = resolverWith({}, { '_matrix-fed._tcp.example.org': [srv('.', 0)], '_matrix._tcp.example.org': [srv('legacy.example.net', 9)] });
    expect(await resolver.resolve('example.org')).toMatchObject({ connectHost: 'legacy.example.net', port: 9 });
    expect(pickSrvTarget([srv('low', 1, 20), srv('high', 2, 10, 5), srv('high2', 3, 10, 0)], () => 0)).toEqual(srv('high', 2, 10, 5));
    expect(pickSrvTarget([srv('w1', 1, 10, 1), srv('w9', 2, 10, 9)], () => 0.5)).toEqual(srv('w9', 2, 10, 9));
  });

  it('federation_host_map replaces discovery; Host and certificate stay the server name', async () => {
    const { resolver, wk, srvLookup } = resolverWith({}, {}, { 'example.org': '127.0.0.1:9000', 'b.example:8448': 'internal.lan' });
    expect(await resolver.resolve('example.org')).toEqual({ tlsHost: 'example.org', port: 9000, connectHost: '127.0.0.1', hostHeader: 'example.org' });
    expect(await resolver.resolve('b.example:8448')).toEqual({ tlsHost: 'b.example', port: 8448, connectHost: 'internal.lan', hostHeader: 'b.example:8448' });
    expect(wk.calls).toEqual([]);
    expect(srvLookup.calls).toEqual([]);
  });

  it('refuses invalid server names', async () => {
    const { resolver } = resolverWith({});
    await expect(resolver.resolve('bad_name!')).rejects.toThrow('invalid server name');
  });
});

describe('.well-known caching', () => {
  function clockedResolver(answers: Parameters<typeof stubWellKnown>[0]) {
    let now = 1_000_000;
    const wk = stubWellKnown(answers);
    const resolver = new WellKnownResolver(wk.fetch, { now: () => now });
    return { resolver, wk, advance: (ms: number) => (now += ms) };
  }

  it('keeps an answer without caching headers 24 hours', async () => {
    const { resolver, wk, advance } = clockedResolver({ 'a.example': { body: { 'm.server': 'b.example:443' } } });
    expect(await resolver.delegatedServer('a.example')).toBe('b.example:443');
    advance(24 * HOUR - 1);
    expect(await resolver.delegatedServer('a.example')).toBe('b.example:443');
    expect(wk.calls).toHaveLength(1);
    advance(1);
    await resolver.delegatedServer('a.example');
    expect(wk.calls).toHaveLength(2);
  });

  it('follows Cache-Control max-age, capped at 48 hours', async () => {
    const short = clockedResolver({ 'a.example': { body: { 'm.server': 'b.example' }, cacheControl: 'public, max-age=600' } });
    await short.resolver.delegatedServer('a.example');
    short.advance(599_000);
    await short.resolver.delegatedServer('a.example');
    expect(short.wk.calls).toHaveLength(1);
    short.advance(1000);
    await short.resolver.delegatedServer('a.example');
    expect(short.wk.calls).toHaveLength(2);

    const long = clockedResolver({ 'a.example': { body: { 'm.server': 'b.example' }, cacheControl: 'max-age=31536000' } });
    await long.resolver.delegatedServer('a.example');
    long.advance(48 * HOUR);
    await long.resolver.delegatedServer('a.example');
    expect(long.wk.calls).toHaveLength(2);
  });

  it('keeps invalid answers an hour and backs off exponentially from unreachable servers', async () => {
    const invalid = clockedResolver({ 'a.example': { status: 500 } });
    expect(await invalid.resolver.delegatedServer('a.example')).toBeUndefined();
    invalid.advance(HOUR - 1);
    await invalid.resolver.delegatedServer('a.example');
    expect(invalid.wk.calls).toHaveLength(1);

    const down = clockedResolver({ 'a.example': 'down' });
    const retries: number[] = [];
    let last = 0;
    for (let elapsed = 0; elapsed <= 3 * HOUR; elapsed += 60_000) {
      await down.resolver.delegatedServer('a.example');
      if (down.wk.calls.length > last) {
        retries.push(elapsed);
        last = down.wk.calls.length;
      }
      down.advance(60_000);
    }
    const gaps = retries.slice(1).map((t, i) => (t - retries[i]!) / 60_000);
    expect(gaps.slice(0, 5)).toEqual([2, 4, 8, 16, 32]);
    expect(Math.max(...gaps)).toBe(60);
  });

  it('shares one fetch between concurrent lookups', async () => {
    const { resolver, wk } = clockedResolver({ 'a.example': { body: { 'm.server': 'b.example' } } });
    const answers = await Promise.all([1, 2, 3, 4].map(() => resolver.delegatedServer('a.example')));
    expect(answers).toEqual(['b.example', 'b.example', 'b.example', 'b.example']);
    expect(wk.calls).toHaveLength(1);
  });

  it('reads Cache-Control as the spec asks', () => {
    expect(wellKnownTtl(undefined)).toBe(24 * HOUR);
    expect(wellKnownTtl('max-age=60')).toBe(60_000);
    expect(wellKnownTtl('no-store')).toBe(0);
    expect(wellKnownTtl('max-age=999999999')).toBe(48 * HOUR);
    expect(wellKnownTtl('private')).toBe(24 * HOUR);
  });
});

describe('DNS caches for outbound federation', () => {
  it('keep answers for their TTL, share concurrent lookups, and never keep failures', async () => {
    let now = 0;
    let calls = 0;
    let fail = true;
    const resolve = cachedHostResolver(
      async () => {
        calls++;
        if (fail) throw new Error('ENOTFOUND');
        return [{ address: '192.0.2.1', family: 4 as const }];
      },
      1000,
      () => now,
    );
    await expect(resolve('a.example')).rejects.toThrow('ENOTFOUND');
    fail = false;
    const answers = await Promise.all([resolve('a.example'), resolve('a.example')]);
    expect(answers[0]).toEqual([{ address: '192.0.2.1', family: 4 }]);
    expect(calls).toBe(2);
    now = 999;
    await resolve('a.example');
    expect(calls).toBe(2);
    now = 1000;
    await resolve('a.example');
    expect(calls).toBe(3);

    const srvCalls: string[] = [];
    const lookup = cachedSrvLookup(async (name) => {
      srvCalls.push(name);
      return [];
    });
    await lookup('_matrix-fed._tcp.a.example');
    await lookup('_matrix-fed._tcp.a.example');
    expect(srvCalls).toEqual(['_matrix-fed._tcp.a.example']);
  });
});
