/** Rate limiting (spec "Rate limiting"): the token bucket, and Synapse's rc_* limits where Synapse enforces them. */
import { MemoryRateLimiter } from '@lattice/client-api';
import { DB_KINDS, startTestServer, v3, type Credentials, type Reply, type TestServer } from './support/test-server.js';
import { createRoom, nextTxnId, sendMessage, sendState } from './support/rooms.js';

const enc = encodeURIComponent;

describe('MemoryRateLimiter', () => {
  test('allows a burst, then refills at per_second', async () => {
    let now = 1000;
    const limiter = new MemoryRateLimiter(() => now);
    const limit = { per_second: 2, burst_count: 3 };
    for (let i = 0; i < 3; i++) expect(await limiter.attempt('a', limit)).toBe(0);
    expect(await limiter.attempt('a', limit)).toBe(500);
    expect(await limiter.attempt('b', limit, { record: false })).toBe(0);
    now = 1500;
    expect(await limiter.attempt('a', limit)).toBe(0);
    expect(await limiter.attempt('a', limit, { record: false })).toBe(500);
  });

  test('a check records nothing; a cost takes that many tokens at once', async () => {
    const limiter = new MemoryRateLimiter(() => 0);
    const limit = { per_second: 1, burst_count: 3 };
    for (let i = 0; i < 5; i++) expect(await limiter.attempt('k', limit, { record: false })).toBe(0);
    expect(await limiter.attempt('k', limit, { cost: 4 })).toBe(1000);
    expect(await limiter.attempt('k', limit, { cost: 3 })).toBe(0);
    expect(await limiter.attempt('k', limit)).toBe(1000);
  });

  test('a bucket that never refills sends clients away for an hour', async () => {
    const limiter = new MemoryRateLimiter(() => 0);
    const limit = { per_second: 0, burst_count: 1 };
    expect(await limiter.attempt('k', limit)).toBe(0);
    expect(await limiter.attempt('k', limit)).toBe(3_600_000);
  });
});

/** A 429 as the spec describes it: M_LIMIT_EXCEEDED, retry_after_ms, and Retry-After in whole seconds, rounded up. */
function expectLimited(reply: Reply): void {
  expect([reply.status, reply.body.errcode]).toEqual([429, 'M_LIMIT_EXCEEDED']);
  const retryAfterMs = reply.body.retry_after_ms as number;
  expect(retryAfterMs).toBeGreaterThan(0);
  expect(reply.headers.get('retry-after')).toBe(String(Math.ceil(retryAfterMs / 1000)));
}

describe.each(DB_KINDS)('rate-limited endpoints on %s', (kind) => {
  let hs: TestServer;
  const slow = (burst_count: number) => ({ per_second: 0.001, burst_count });
  const ample = slow(1000);
  beforeAll(async () => {
    hs = await startTestServer(kind, {
      config: {
        rc_registration: slow(1),
        rc_login: { address: slow(100), account: slow(100), failed_attempts: slow(2) },
        rc_message: slow(3),
        rc_joins: { local: slow(2), remote: slow(2) },
        rc_joins_per_room: ample,
        rc_invites: { per_room: ample, per_user: slow(2), per_issuer: slow(2) },
        rc_room_creation: slow(2),
      },
    });
  });
  afterAll(() => hs.close());

  let n = 0;
  const newUser = (): Promise<Credentials> => hs.createUser(`u${++n}`);

  test('repeated failed logins for one account are refused with 429 and Retry-After', async () => {
    const alice = await hs.createUser('alice');
    const attempt = (password: string) =>
      hs.request('POST', v3('/login'), { body: { type: 'm.login.password', user: 'alice', password } });
    expect((await attempt('wrong')).status).toBe(403);
    expect((await attempt('wrong')).status).toBe(403);
    expectLimited(await attempt(alice.password));
  });

  test('account creation per address is limited; the UIA round trip itself is not', async () => {
    const register = (username: string) =>
      hs.request('POST', v3('/register'), { body: { username, password: 'long password', auth: { type: 'm.login.dummy' } } });
    expect((await hs.request('POST', v3('/register'), { body: {} })).status).toBe(401);
    expect((await register('first')).status).toBe(200);
    expectLimited(await register('second'));
  });

  test('rc_message counts messages, state events and redactions per user', async () => {
    const [owner, other] = [await newUser(), await newUser()];
    const roomId = await createRoom(hs, owner, { preset: 'public_chat' });
    const eventId = await sendMessage(hs, owner, roomId, 'one');
    await sendState(hs, owner, roomId, 'm.room.topic', '', { topic: 'two' });
    const redaction = await hs.request('PUT', v3(`/rooms/${enc(roomId)}/redact/${enc(eventId)}/${nextTxnId()}`), { token: owner.access_token, body: {} });
    expect(redaction.status).toBe(200);
    const send = (user: Credentials) =>
      hs.request('PUT', v3(`/rooms/${enc(roomId)}/send/m.room.message/${nextTxnId()}`), { token: user.access_token, body: { msgtype: 'm.text', body: 'x' } });
    expectLimited(await send(owner));
    const state = await hs.request('PUT', v3(`/rooms/${enc(roomId)}/state/m.room.topic/`), { token: owner.access_token, body: { topic: 'no' } });
    expectLimited(state);
    // Another user has their own bucket.
    await hs.request('POST', v3(`/join/${enc(roomId)}`), { token: other.access_token, body: {} });
    expect((await send(other)).status).toBe(200);
  });

  test('rc_joins.local limits a user joining rooms; rejoining a room they are in is free', async () => {
    const [owner, joiner] = [await newUser(), await newUser()];
    const rooms = [await createRoom(hs, owner, { preset: 'public_chat' }), await createRoom(hs, (await newUser()), { preset: 'public_chat' })];
    const third = await createRoom(hs, await newUser(), { preset: 'public_chat' });
    const join = (roomId: string) => hs.request('POST', v3(`/rooms/${enc(roomId)}/join`), { token: joiner.access_token, body: {} });
    for (const roomId of rooms) expect((await join(roomId)).status).toBe(200);
    expect((await join(rooms[0]!)).status).toBe(200);
    expectLimited(await join(third));
    expect((await hs.request('GET', v3('/joined_rooms'), { token: joiner.access_token })).body.joined_rooms).toEqual(expect.not.arrayContaining([third]));
  });

  test('rc_invites.per_issuer limits an inviter; per_user limits invites of one user', async () => {
    const inviter = await newUser();
    const roomId = await createRoom(hs, inviter, { preset: 'private_chat' });
    const inviteTo = (user: Credentials, room: string, target: string) =>
      hs.request('POST', v3(`/rooms/${enc(room)}/invite`), { token: user.access_token, body: { user_id: target } });
    expect((await inviteTo(inviter, roomId, (await newUser()).user_id)).status).toBe(200);
    expect((await inviteTo(inviter, roomId, (await newUser()).user_id)).status).toBe(200);
    const refused = (await newUser()).user_id;
    expectLimited(await inviteTo(inviter, roomId, refused));
    const members = await hs.request<{ chunk: Array<{ state_key: string }> }>('GET', v3(`/rooms/${enc(roomId)}/members`), { token: inviter.access_token });
    expect(members.body.chunk.map((e) => e.state_key)).not.toContain(refused);

    // Three inviters, each within their own limit, inviting the same user.
    const target = (await newUser()).user_id;
    const replies: Reply[] = [];
    for (let i = 0; i < 3; i++) {
      const someone = await newUser();
      replies.push(await inviteTo(someone, await createRoom(hs, someone), target));
    }
    expect(replies.slice(0, 2).map((r) => r.status)).toEqual([200, 200]);
    expectLimited(replies[2]!);
  });

  test('rc_room_creation limits rooms created per user', async () => {
    const creator = await newUser();
    await createRoom(hs, creator);
    await createRoom(hs, creator);
    expectLimited(await hs.request('POST', v3('/createRoom'), { token: creator.access_token, body: {} }));
    expect((await hs.request('GET', v3('/joined_rooms'), { token: creator.access_token })).body.joined_rooms).toHaveLength(2);
  });

  test('users the rateLimitExempt hook names (appservices with rate_limited: false) are never limited', async () => {
    const bot = await newUser();
    hs.ctx.rateLimitExempt = (userId) => userId === bot.user_id;
    try {
      const roomId = await createRoom(hs, bot);
      for (let i = 0; i < 6; i++) await sendMessage(hs, bot, roomId, `m${i}`);
      for (let i = 0; i < 3; i++) await createRoom(hs, bot);
    } finally {
      hs.ctx.rateLimitExempt = undefined;
    }
  });
});
