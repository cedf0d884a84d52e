import { DEFAULT_IP_RANGE_BLACKLIST } from '@lattice/core';
import type { HostResolver } from '../../src/outbound/host-resolver.js';
import { OutboundError } from '../../src/outbound/outbound-error.js';
import { safeFetch, type SafeFetchOptions } from '../../src/outbound/safe-fetch.js';
import { startLoopbackServer, type LoopbackServer } from './loopback-server.js';

/** A resolver that knows only the names a test gives it, and counts its calls. */
function stubResolver(names: Record<string, string[]>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const found = names[hostname];
    if (!found) throw new Error(`ENOTFOUND ${hostname}`);
    return found.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
  };
  return Object.assign(resolve, { calls });
}

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OutboundError) return err;
    throw err;
  }
  throw new Error('expected the fetch to fail');
}

const base: SafeFetchOptions = {
  blacklist: DEFAULT_IP_RANGE_BLACKLIST,
  maxBytes: 1024,
  timeoutMs: 2000,
  resolve: stubResolver({}),
};

let server: LoopbackServer;
beforeAll(async () => {
  server = await startLoopbackServer((req, res) => {
    if (req.url === '/to-loopback') {
      res.writeHead(302, { location: `http://127.0.0.1:${server.port}/secret` }).end();
    } else if (req.url === '/big') {
      // Chunked (no Content-Length), so only the streaming count can catch it.
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 4; i++) res.write(Buffer.alloc(1024, 'x'));
      res.end('x');
    } else if (req.url === '/declared-big') {
      res.writeHead(200, { 'content-length': '999999' }).write('x');
    } else if (req.url === '/slow') {
      res.writeHead(200).write('partial'); // never ends
    } else if (req.url === '/loop') {
      res.writeHead(302, { location: '/loop' }).end();
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello from ${req.url}`);
    }
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.hits.length = 0;
});

describe('safeFetch refuses private addresses before connecting', () => {
  test.each([
    ['0.0.0.0', () => `http://0.0.0.0:${server.port}/`],
    ['127.0.0.1', () => `http://127.0.0.1:${server.port}/`],
    ['::ffff:127.0.0.1', () => `http://[::ffff:127.0.0.1]:${server.port}/`],
    ['::1', () => `http://[::1]:${server.port}/`],
    ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/'],
    ['127.0.0.1 written in hex', () => `http://0x7f.1:${server.port}/`],
  ])('%s', async (_name, url) => {
    const err = await failure(safeFetch(url(), base));
    expect(err.reason).toBe('blocked');
    expect(server.hits).toEqual([]);
  });

  test('a hostname resolving to 10.x', async () => {
    const resolve = stubResolver({ 'intranet.example': ['10.1.2.3'] });
    const err = await failure(safeFetch('http://intranet.example/', { ...base, resolve }));
    expect(err.reason).toBe('blocked');
  });

  test('a hostname with one public and one private address', async () => {
    const resolve = stubResolver({ 'mixed.example': ['93.184.216.34', '127.0.0.1'] });
    const err = await failure(safeFetch(`http://mixed.example:${server.port}/`, { ...base, resolve }));
    expect(err.reason).toBe('blocked');
    expect(server.hits).toEqual([]);
  });

  test('a public-looking host whose redirect points to 127.0.0.1', async () => {
    // The first hop must be reachable, so it lives on 127.0.0.2 (whitelisted); the redirect target
    // 127.0.0.1 is not, and must be refused before any connection to it.
    const resolve = stubResolver({ 'public.example': ['127.0.0.2'] });
    const other = await startLoopbackServer(
      (_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${server.port}/secret` }).end(),
      '127.0.0.2',
    );
    try {
      const err = await failure(
        safeFetch(`http://public.example:${other.port}/`, { ...base, resolve, whitelist: ['127.0.0.2/32'] }),
      );
      expect(err.reason).toBe('blocked');
      expect(other.hits).toEqual(['/']);
      expect(server.hits).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('safeFetch with 127.0.0.1 whitelisted', () => {
  const open: SafeFetchOptions = { ...base, whitelist: ['127.0.0.1/32'] };

  test('fetches the page', async () => {
    const res = await safeFetch(`http://127.0.0.1:${server.port}/page`, open);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('hello from /page');
  });

  test('connects to the vetted address and resolves each host once (no DNS rebinding)', async () => {
    // A rebinding resolver: first answer allowed, every later answer private.
    let answers = 0;
    const resolve: HostResolver = async () => [{ address: answers++ === 0 ? '127.0.0.1' : '10.0.0.1', family: 4 }];
    const res = await safeFetch(`http://rebind.example:${server.port}/pinned`, { ...open, resolve });
    expect(res.body.toString()).toBe('hello from /pinned');
    expect(answers).toBe(1);
  });

  test('follows redirects, checking each hop', async () => {
    const resolve = stubResolver({ 'a.example': ['127.0.0.1'] });
    const res = await safeFetch(`http://a.example:${server.port}/to-loopback`, { ...open, resolve });
    expect(res.url).toBe(`http://127.0.0.1:${server.port}/secret`);
    expect(server.hits).toEqual(['/to-loopback', '/secret']);
  });

  test('gives up after maxRedirects', async () => {
    const err = await failure(safeFetch(`http://127.0.0.1:${server.port}/loop`, { ...open, maxRedirects: 3 }));
    expect(err.reason).toBe('too_many_redirects');
    expect(server.hits).toHaveLength(4);
  });

  test('caps the body while it streams', async () => {
    const err = await failure(safeFetch(`http://127.0.0.1:${server.port}/big`, open));
    expect(err.reason).toBe('too_large');
  });

  test('refuses a declared Content-Length above the cap without reading it', async () => {
    const err = await failure(safeFetch(`http://127.0.0.1:${server.port}/declared-big`, open));
    expect(err.reason).toBe('too_large');
  });

  test('enforces the total timeout on a body that never ends', async () => {
    const err = await failure(safeFetch(`http://127.0.0.1:${server.port}/slow`, { ...open, timeoutMs: 300 }));
    expect(err.reason).toBe('timeout');
  });

  test('refuses non-http schemes', async () => {
    const err = await failure(safeFetch('file:///etc/passwd', open));
    expect(err.reason).toBe('bad_url');
  });

  test('a name that does not resolve is a dns failure', async () => {
    const err = await failure(safeFetch('http://nowhere.example/', open));
    expect(err.reason).toBe('dns');
  });
});
