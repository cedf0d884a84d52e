/** GET/POST/DELETE /_synapse/admin/v1/users/<user_id>/override_ratelimit, and the override at work on rc_message. */
import { DB_KINDS, SERVER_NAME, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { createRoom, nextTxnId } from '../../client-api/test/support/rooms.js';
import { enc, startModerationServer, type ModerationTestServer } from './support/moderation-server.js';

describe.each(DB_KINDS)('rate-limit overrides on %s', (kind) => {
  let hs: ModerationTestServer;
  beforeAll(async () => {
    hs = await startModerationServer(kind, { config: { rc_message: { per_second: 0.001, burst_count: 2 } } });
  });
  afterAll(() => hs.close());

  const path = (userId: string) => `/v1/users/${enc(userId)}/override_ratelimit`;

  /** Sends until refused (at most `max`); returns how many went through. */
  async function sendsAllowed(user: Credentials, roomId: string, max: number): Promise<number> {
    for (let i = 0; i < max; i++) {
      const reply = await hs.request('PUT', v3(`/rooms/${enc(roomId)}/send/m.room.message/${nextTxnId()}`), {
        token: user.access_token,
        body: { msgtype: 'm.text', body: `m${i}` },
      });
      if (reply.status === 429) return i;
      expect(reply.status).toBe(200);
    }
    return max;
  }

  test('set, read and remove an override; validation and unknown users', async () => {
    const bob = await hs.createUser('bob');
    expect((await hs.adminRequest('GET', path(bob.user_id))).body).toEqual({});
    const set = await hs.adminRequest('POST', path(bob.user_id), { body: { messages_per_second: 5, burst_count: 7 } });
    expect([set.status, set.body]).toEqual([200, { messages_per_second: 5, burst_count: 7 }]);
    expect((await hs.adminRequest('GET', path(bob.user_id))).body).toEqual({ messages_per_second: 5, burst_count: 7 });
    // Absent fields are 0 (Synapse's defaults).
    expect((await hs.adminRequest('POST', path(bob.user_id), { body: {} })).body).toEqual({ messages_per_second: 0, burst_count: 0 });
    expect((await hs.adminRequest('DELETE', path(bob.user_id))).body).toEqual({});
    expect((await hs.adminRequest('GET', path(bob.user_id))).body).toEqual({});

    for (const bad of [{ messages_per_second: -1 }, { burst_count: 'ten' }, { messages_per_second: 1.5 }]) {
      const reply = await hs.adminRequest('POST', path(bob.user_id), { body: bad });
      expect([reply.status, reply.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    }
    expect((await hs.adminRequest('GET', path(bob.user_id))).body).toEqual({});
    expect((await hs.adminRequest('GET', path(`@nobody:${SERVER_NAME}`))).status).toBe(404);
    expect((await hs.adminRequest('POST', path('@someone:elsewhere.example'), { body: {} })).status).toBe(400);
  });

  test('non-admins get 403 M_FORBIDDEN and change nothing', async () => {
    const mallory = await hs.createUser('mallory');
    for (const method of ['GET', 'POST', 'DELETE']) {
      const reply = await hs.adminRequest(method, path(mallory.user_id), { token: mallory.access_token, body: method === 'POST' ? {} : undefined });
      expect([method, reply.status, reply.body.errcode]).toEqual([method, 403, 'M_FORBIDDEN']);
    }
    expect((await hs.adminRequest('GET', path(mallory.user_id))).body).toEqual({});
  });

  test('0/0 lifts every per-user limit; removing the override restores rc_message', async () => {
    const carol = await hs.createUser('carol');
    const roomId = await createRoom(hs, carol);
    expect(await sendsAllowed(carol, roomId, 5)).toBe(2);

    await hs.adminRequest('POST', path(carol.user_id), { body: { messages_per_second: 0, burst_count: 0 } });
    expect(await sendsAllowed(carol, roomId, 12)).toBe(12);

    await hs.adminRequest('DELETE', path(carol.user_id));
    expect(await sendsAllowed(carol, roomId, 3)).toBe(0);
  });

  test("a non-zero override replaces rc_message's rate and burst for that user", async () => {
    const dave = await hs.createUser('dave');
    const roomId = await createRoom(hs, dave);
    // Synapse's rates are whole messages per second: a burst of 6 against rc_message's 2, then refusals.
    await hs.adminRequest('POST', path(dave.user_id), { body: { messages_per_second: 1, burst_count: 6 } });
    const allowed = await sendsAllowed(dave, roomId, 50);
    expect(allowed).toBeGreaterThanOrEqual(6);
    expect(allowed).toBeLessThan(50);
  });
});
