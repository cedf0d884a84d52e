/** GET/POST /auth/{authType}/fallback/web (spec "User-Interactive Authentication API", Fallback). */
import { DB_KINDS, v3, startTestServer, type Credentials, type TestServer } from './support/test-server.js';

interface Page {
  status: number;
  html: string;
  headers: Headers;
}

describe.each(DB_KINDS)('UIA fallback pages on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  beforeAll(async () => {
    hs = await startTestServer(kind);
    alice = await hs.createUser('alice');
  });
  afterAll(() => hs.close());

  const fallbackPath = (stage: string, session: string, prefix = '/_matrix/client/v3') =>
    `${prefix}/auth/${encodeURIComponent(stage)}/fallback/web?session=${encodeURIComponent(session)}`;

  async function page(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<Page> {
    const res = await fetch(hs.url + path, {
      method,
      headers: form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {},
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    return { status: res.status, html: await res.text(), headers: res.headers };
  }

  /** Starts a password-protected operation (deleting a second device); returns its UIA session. */
  async function deviceDeletion(): Promise<{ session: string; retry: (auth: Record<string, unknown>) => Promise<number> }> {
    const login = await hs.request<{ device_id: string }>('POST', v3('/login'), {
      body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: alice.password },
    });
    const path = v3(`/devices/${login.body.device_id}`);
    const first = await hs.request<{ session: string }>('DELETE', path, { token: alice.access_token, body: {} });
    expect(first.status).toBe(401);
    const retry = async (auth: Record<string, unknown>) => (await hs.request('DELETE', path, { token: alice.access_token, body: { auth } })).status;
    return { session: first.body.session, retry };
  }

  test('m.login.password: a form, a wrong password re-shows it, the right one completes the session', async () => {
    const { session, retry } = await deviceDeletion();
    const form = await page('GET', fallbackPath('m.login.password', session));
    expect(form.status).toBe(200);
    expect(form.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = form.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(form.html).toContain('type="password"');
    expect(form.html).toContain(`value="${session}"`);
    expect(form.html).not.toContain('<script');
    // Nothing is completed by showing the page.
    expect(await retry({ session })).toBe(401);

    const wrong = await page('POST', fallbackPath('m.login.password', session), { session, password: 'wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('Invalid password');
    expect(await retry({ session })).toBe(401);

    const done = await page('POST', fallbackPath('m.login.password', session), { session, password: alice.password });
    expect(done.status).toBe(200);
    expect(done.html).toContain('window.onAuthDone()');
    expect(done.html).toContain('window.opener.postMessage("authDone", "*")');
    // The script the CSP allows is exactly the one served.
    const script = /<script>([^<]*)<\/script>/.exec(done.html)![1]!;
    const { createHash } = await import('node:crypto');
    expect(done.headers.get('content-security-policy')).toContain(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);

    // "it should resubmit the request with an auth dict with just the session ID".
    expect(await retry({ session })).toBe(200);
  });

  test('m.login.dummy completes a registration session (r0 prefix too)', async () => {
    const body = { username: 'viafallback', password: 'a good password' };
    const first = await hs.request<{ session: string }>('POST', v3('/register'), { body });
    const { session } = first.body;
    const form = await page('GET', fallbackPath('m.login.dummy', session, '/_matrix/client/r0'));
    expect(form.status).toBe(200);
    expect(form.html).toContain('<form method="post">');
    const done = await page('POST', fallbackPath('m.login.dummy', session), { session });
    expect(done.html).toContain('authDone');
    // Already done: the page says so again.
    expect((await page('GET', fallbackPath('m.login.dummy', session))).html).toContain('authDone');
    const registered = await hs.request('POST', v3('/register'), { body: { ...body, auth: { session } } });
    expect(registered.status).toBe(200);
    expect(registered.body.user_id).toMatch(/^@viafallback:/);
  });

  test('bad requests: unknown stage 404, missing or unknown session 400, a stage the session does not offer 403', async () => {
    const { session } = await deviceDeletion();
    const unknownStage = await hs.request('GET', fallbackPath('m.login.recaptcha', session));
    expect(unknownStage.status).toBe(404);
    const noSession = await hs.request('GET', v3('/auth/m.login.password/fallback/web'));
    expect(noSession.body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    const unknownSession = await hs.request('GET', fallbackPath('m.login.password', '"><script>alert(1)</script>'));
    expect(unknownSession.status).toBe(400);
    expect(JSON.stringify(unknownSession.body)).not.toContain('<script>');
    // Device deletion asks for a password, so a dummy stage cannot complete it.
    const dummy = await page('POST', fallbackPath('m.login.dummy', session), { session });
    expect(dummy.status).toBe(403);
    const { rows } = await hs.db.query<{ completed: string[] }>('SELECT completed FROM uia_sessions WHERE session_id = $1', [session]);
    expect(rows[0]!.completed).toEqual([]);
  });
});
