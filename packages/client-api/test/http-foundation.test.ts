/** The HTTP foundation: CORS, body limits, strict JSON, token auth, M_UNRECOGNIZED, error mapping. */
import { connect } from 'node:net';
import { Router } from 'express';
import { DB_KINDS, startTestServer, v3, type TestServer } from './support/test-server.js';

describe.each(DB_KINDS)('HTTP foundation on %s', (kind) => {
  let hs: TestServer;
  const failing = Router();
  failing.get('/_test/explode', () => {
    throw new Error('secret internal detail');
  });

  beforeAll(async () => {
    hs = await startTestServer(kind, { app: { routers: [failing] } });
  });
  afterAll(() => hs.close());

  test('every response carries the CORS headers the spec recommends', async () => {
    for (const reply of [await hs.request('GET', '/_matrix/client/versions'), await hs.request('GET', v3('/nonexistent'))]) {
      expect(reply.headers.get('access-control-allow-origin')).toBe('*');
      expect(reply.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, DELETE, OPTIONS');
      expect(reply.headers.get('access-control-allow-headers')).toBe('X-Requested-With, Content-Type, Authorization');
      expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    }
  });

  test('OPTIONS is answered without running the endpoint (no auth, no body checks)', async () => {
    const res = await fetch(hs.url + v3('/account/whoami'), {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.element.io', 'Access-Control-Request-Method': 'GET' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const register = await fetch(hs.url + v3('/register'), { method: 'OPTIONS', body: 'not json' });
    expect(register.status).toBe(204);
  });

  test('unknown endpoints are 404 M_UNRECOGNIZED; wrong methods 405 M_UNRECOGNIZED with Allow', async () => {
    const unknown = await hs.request('GET', v3('/no/such/endpoint'));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ errcode: 'M_UNRECOGNIZED' });
    expect((await hs.request('GET', '/completely/elsewhere')).body).toMatchObject({ errcode: 'M_UNRECOGNIZED' });

    const wrongMethod = await hs.request('GET', v3('/register'));
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body).toMatchObject({ errcode: 'M_UNRECOGNIZED' });
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect((await hs.request('PUT', '/_matrix/client/versions')).status).toBe(405);
  });

  test('a body that is not JSON is M_NOT_JSON; JSON we refuse is M_BAD_JSON', async () => {
    const login = v3('/login');
    expect((await hs.request('POST', login, { raw: '{"type": "m.login.password",' })).body).toMatchObject({ errcode: 'M_NOT_JSON' });
    expect((await hs.request('POST', login, { raw: '' })).body).toMatchObject({ errcode: 'M_NOT_JSON' });
    const notJson = await hs.request('POST', login, { raw: 'hello' });
    expect(notJson.status).toBe(400);
    // Valid JSON, but not an object, or with a duplicate key.
    const array = await hs.request('POST', login, { raw: '["m.login.password"]' });
    expect(array.status).toBe(400);
    expect(array.body).toMatchObject({ errcode: 'M_BAD_JSON' });
    expect((await hs.request('POST', login, { raw: '{"type": "a", "type": "b"}' })).body).toMatchObject({ errcode: 'M_BAD_JSON' });
  });

  test('wrong field types are M_INVALID_PARAM, missing ones M_MISSING_PARAM', async () => {
    const missing = await hs.request('POST', v3('/login'), { body: { identifier: { type: 'm.id.user', user: 'x' }, password: 'p' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    const wrongType = await hs.request('POST', v3('/login'), { body: { type: 'm.login.password', user: 'x', password: 42 } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
  });

  test('a body above max_request_body_size is 413 M_TOO_LARGE (declared and streamed)', async () => {
    const big = JSON.stringify({ type: 'm.login.password', padding: 'x'.repeat(5000) });
    const declared = await hs.request('POST', v3('/login'), { raw: big });
    expect(declared.status).toBe(413);
    expect(declared.body).toMatchObject({ errcode: 'M_TOO_LARGE' });

    // Chunked: no Content-Length, so the limit is found while reading.
    const streamed = await rawHttp(
      hs.url,
      `POST ${v3('/login')} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${(5000).toString(16)}\r\n${'x'.repeat(5000)}\r\n0\r\n\r\n`,
    );
    expect(streamed).toMatch(/^HTTP\/1\.1 413/);
    expect(streamed).toContain('M_TOO_LARGE');
  });

  test('missing and unknown access tokens are 401 M_MISSING_TOKEN / M_UNKNOWN_TOKEN', async () => {
    const missing = await hs.request('GET', v3('/account/whoami'));
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ errcode: 'M_MISSING_TOKEN' });
    const unknown = await hs.request('GET', v3('/account/whoami'), { token: 'lat_not-a-real-token' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ errcode: 'M_UNKNOWN_TOKEN', soft_logout: false });
    const malformed = await hs.request('GET', v3('/account/whoami'), { headers: { Authorization: 'Basic abc' } });
    expect(malformed.body).toMatchObject({ errcode: 'M_MISSING_TOKEN' });
  });

  test('the token is accepted from the Authorization header and the deprecated query parameter', async () => {
    const alice = await hs.createUser('foundation-alice');
    const viaHeader = await hs.request('GET', v3('/account/whoami'), { token: alice.access_token });
    expect(viaHeader.body).toMatchObject({ user_id: alice.user_id });
    const viaQuery = await hs.request('GET', v3(`/account/whoami?access_token=${encodeURIComponent(alice.access_token)}`));
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.body).toMatchObject({ user_id: alice.user_id, device_id: alice.device_id });
  });

  test('unexpected errors are 500 M_UNKNOWN without internals', async () => {
    const reply = await hs.request('GET', '/_test/explode');
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({ errcode: 'M_UNKNOWN', error: 'Internal server error' });
    expect(JSON.stringify(reply.body)).not.toContain('secret');
  });

  test('each response names its request id', async () => {
    const a = await hs.request('GET', '/_matrix/client/versions');
    const b = await hs.request('GET', '/_matrix/client/versions');
    expect(a.headers.get('x-request-id')).toBeTruthy();
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  test('a rejected request writes nothing', async () => {
    const before = await hs.db.query<{ n: string }>('SELECT count(*) AS n FROM users');
    // Invalid username, weak inputs, bad JSON: none of them may create anything.
    await hs.request('POST', v3('/register'), { body: { username: 'Not Valid!', password: 'pw', auth: { type: 'm.login.dummy' } } });
    await hs.request('POST', v3('/register'), { raw: '{"username": "x"' });
    const after = await hs.db.query<{ n: string }>('SELECT count(*) AS n FROM users');
    expect(Number(after.rows[0]!.n)).toBe(Number(before.rows[0]!.n));
  });
});

/** Sends raw bytes over HTTP/1.1 and returns everything the server answered before closing. */
function rawHttp(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('utf8')));
    socket.on('close', () => resolve(data));
    socket.on('error', (err) => (data ? resolve(data) : reject(err)));
  });
}
