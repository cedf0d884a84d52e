/**
 * GET /voip/turnServer and OpenID (client request_token, federation userinfo)
 * over real HTTP on PostgreSQL and PGlite.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DB_KINDS, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { startPresenceServer, type PresenceTestServer } from './support/presence-server.js';

const TURN_YAML = `
turn_uris: ["turn:turn.test.local:3478?transport=udp", "turns:turn.test.local:5349?transport=tcp"]
turn_shared_secret: "s3cret"
turn_user_lifetime: 2h
`;

const userinfo = (token?: string) =>
  `/_matrix/federation/v1/openid/userinfo${token === undefined ? '' : `?access_token=${encodeURIComponent(token)}`}`;

describe.each(DB_KINDS)('TURN credentials and OpenID (%s)', (kind) => {
  let server: PresenceTestServer;
  let alice: Credentials;
  let bob: Credentials;

  beforeAll(async () => {
    server = await startPresenceServer(kind, { yaml: TURN_YAML });
    [alice, bob] = await Promise.all([server.hs.createUser('alice'), server.hs.createUser('bob')]);
  });
  afterAll(() => server.close());

  it('hands out time-limited TURN credentials derived from the shared secret', async () => {
    const reply = await server.hs.request<{ username: string; password: string; uris: string[]; ttl: number }>('GET', v3('/voip/turnServer'), {
      token: alice.access_token,
    });
    expect(reply.status).toBe(200);
    const { username, password, uris, ttl } = reply.body;
    expect(ttl).toBe(7200);
    expect(uris).toEqual(['turn:turn.test.local:3478?transport=udp', 'turns:turn.test.local:5349?transport=tcp']);
    expect(username).toBe(`${Math.floor((server.clock.now + 7_200_000) / 1000)}:${alice.user_id}`);
    // What a TURN server configured with the same secret computes (coturn use-auth-secret).
    expect(password).toBe(createHmac('sha1', 's3cret').update(username).digest('base64'));
  });

  it('requires authentication for TURN credentials', async () => {
    const reply = await server.hs.request('GET', v3('/voip/turnServer'));
    expect([reply.status, reply.body.errcode]).toEqual([401, 'M_MISSING_TOKEN']);
  });

  it('issues OpenID tokens that the userinfo endpoint exchanges for the user id', async () => {
    const reply = await server.hs.request<Record<string, unknown>>('POST', v3(`/user/${encodeURIComponent(alice.user_id)}/openid/request_token`), {
      token: alice.access_token,
      body: {},
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', matrix_server_name: 'test.local', expires_in: 3600 });
    const token = reply.body.access_token as string;

    const info = await server.hs.request('GET', userinfo(token));
    expect([info.status, info.body]).toEqual([200, { sub: alice.user_id }]);

    // Only an OpenID token: not an access token for the client API.
    const asAccess = await server.hs.request('GET', v3('/account/whoami'), { token });
    expect(asAccess.status).toBe(401);
    // And an access token is not an OpenID token.
    const wrongKind = await server.hs.request('GET', userinfo(alice.access_token));
    expect([wrongKind.status, wrongKind.body.errcode]).toEqual([401, 'M_UNKNOWN_TOKEN']);

    // Expired after an hour.
    server.clock.now += 3_600_000;
    const expired = await server.hs.request('GET', userinfo(token));
    expect([expired.status, expired.body.errcode]).toEqual([401, 'M_UNKNOWN_TOKEN']);
  });

  it('refuses tokens for other users and bad requests', async () => {
    const other = await server.hs.request('POST', v3(`/user/${encodeURIComponent(alice.user_id)}/openid/request_token`), {
      token: bob.access_token,
      body: {},
    });
    expect([other.status, other.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
    const notJson = await server.hs.request('POST', v3(`/user/${encodeURIComponent(alice.user_id)}/openid/request_token`), {
      token: alice.access_token,
      raw: 'nope',
    });
    expect([notJson.status, notJson.body.errcode]).toEqual([400, 'M_NOT_JSON']);
    const { rows } = await server.hs.db.query('SELECT user_id FROM openid_tokens WHERE valid_until_ts > $1', [server.clock.now]);
    expect(rows).toEqual([]);

    const unknown = await server.hs.request('GET', userinfo('bogus'));
    expect([unknown.status, unknown.body.errcode]).toEqual([401, 'M_UNKNOWN_TOKEN']);
    const missing = await server.hs.request('GET', userinfo());
    expect([missing.status, missing.body.errcode]).toEqual([400, 'M_MISSING_PARAM']);
  });
});

describe('TURN not configured, or with static credentials', () => {
  let plain: PresenceTestServer;
  let fixed: PresenceTestServer;

  beforeAll(async () => {
    [plain, fixed] = await Promise.all([
      startPresenceServer('pglite'),
      startPresenceServer('pglite', { yaml: 'turn_uris: ["turn:turn.test.local"]\nturn_username: "u"\nturn_password: "p"\n' }),
    ]);
  });
  afterAll(() => Promise.all([plain.close(), fixed.close()]));

  it('answers {} without TURN', async () => {
    const alice = await plain.hs.createUser('alice');
    const reply = await plain.hs.request('GET', v3('/voip/turnServer'), { token: alice.access_token });
    expect([reply.status, reply.body]).toEqual([200, {}]);
  });

  it('hands out the static username and password', async () => {
    const alice = await fixed.hs.createUser('alice');
    const reply = await fixed.hs.request('GET', v3('/voip/turnServer'), { token: alice.access_token });
    expect(reply.body).toEqual({ username: 'u', password: 'p', uris: ['turn:turn.test.local'], ttl: 3600 });
  });
});
