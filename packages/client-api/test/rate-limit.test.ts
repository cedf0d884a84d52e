/** Rate limiting of /login and /register (spec "Rate limiting"). */
import { RateLimiter } from '@lattice/client-api';
import { MatrixError } from '@lattice/core';
import { DB_KINDS, startTestServer, v3, type TestServer } from './support/test-server.js';

describe('RateLimiter', () => {
  test('allows a burst, then refills at per_second', () => {
    const limiter = new RateLimiter({ per_second: 2, burst_count: 3 });
    for (let i = 0; i < 3; i++) expect(limiter.take('a', 1000)).toBe(0);
    expect(limiter.take('a', 1000)).toBe(500);
    expect(limiter.check('b', 1000)).toBe(0);
    expect(limiter.take('a', 1500)).toBe(0);
    expect(limiter.check('a', 1500)).toBe(500);
  });

  test('consume throws M_LIMIT_EXCEEDED with Retry-After', () => {
    const limiter = new RateLimiter({ per_second: 0.5, burst_count: 1 });
    limiter.consume('k', 0);
    try {
      limiter.consume('k', 0);
      throw new Error('expected a refusal');
    } catch (err) {
      expect(err).toBeInstanceOf(MatrixError);
      const e = err as MatrixError;
      expect([e.status, e.errcode, e.extra.retry_after_ms, e.headers['Retry-After']]).toEqual([429, 'M_LIMIT_EXCEEDED', 2000, '2']);
    }
  });
});

describe.each(DB_KINDS)('rate-limited endpoints on %s', (kind) => {
  let hs: TestServer;
  beforeAll(async () => {
    const slow = (burst_count: number) => ({ per_second: 0.001, burst_count });
    hs = await startTestServer(kind, {
      config: { rc_registration: slow(1), rc_login: { address: slow(100), account: slow(100), failed_attempts: slow(2) } },
    });
  });
  afterAll(() => hs.close());

  test('repeated failed logins for one account are refused with 429 and Retry-After', async () => {
    const alice = await hs.createUser('alice');
    const attempt = (password: string) =>
      hs.request('POST', v3('/login'), { body: { type: 'm.login.password', user: 'alice', password } });
    expect((await attempt('wrong')).status).toBe(403);
    expect((await attempt('wrong')).status).toBe(403);
    const limited = await attempt(alice.password);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ errcode: 'M_LIMIT_EXCEEDED' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  test('account creation per address is limited; the UIA round trip itself is not', async () => {
    const register = (username: string) =>
      hs.request('POST', v3('/register'), { body: { username, password: 'long password', auth: { type: 'm.login.dummy' } } });
    expect((await hs.request('POST', v3('/register'), { body: {} })).status).toBe(401);
    expect((await register('first')).status).toBe(200);
    const second = await register('second');
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ errcode: 'M_LIMIT_EXCEEDED' });
  });
});
