/**
 * rate_limited: false (registration.yaml): the appservice's users and its
 * sender are never rate limited, while the users of an appservice that left
 * rate_limited at its default are, like everyone else.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DB_KINDS, v3 } from '../../client-api/test/support/test-server.js';
import { registrationYaml, startServerWithAppservice, type AppserviceTestServer } from './support/appservice-server.js';
import type { TestAppservice } from './support/test-appservice.js';

const enc = encodeURIComponent;

describe.each(DB_KINDS)('appservice rate limits (%s)', (kind) => {
  let hs: AppserviceTestServer;
  let bridge: TestAppservice;

  beforeAll(async () => {
    ({ hs, appservice: bridge } = await startServerWithAppservice(
      kind,
      { id: 'free', asToken: 'as_free', hsToken: 'hs_free', sender: '_free_bot', users: [{ regex: '@_free_.*', exclusive: true }], extra: 'rate_limited: false' },
      [registrationYaml({ id: 'limited', url: null, asToken: 'as_limited', hsToken: 'hs_limited', sender: '_lim_bot', users: [{ regex: '@_lim_.*', exclusive: true }] })],
      { config: { rc_message: { per_second: 0.001, burst_count: 3 } } },
    ));
  });

  afterAll(async () => {
    await hs?.close();
    await bridge?.close();
  });

  /** Registers `localpart` with `token`, makes it a room, and sends `n` messages as it; returns the statuses. */
  async function burst(token: string, localpart: string, n: number): Promise<number[]> {
    const reg = await hs.request('POST', v3('/register'), { token, body: { type: 'm.login.application_service', username: localpart, inhibit_login: true } });
    expect(reg.status).toBe(200);
    const as = `user_id=${enc(reg.body.user_id as string)}`;
    const room = await hs.request('POST', v3(`/createRoom?${as}`), { token, body: {} });
    expect(room.status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) {
      const path = v3(`/rooms/${enc(room.body.room_id as string)}/send/m.room.message/${localpart}${i}?${as}`);
      statuses.push((await hs.request('PUT', path, { token, body: { msgtype: 'm.text', body: `${i}` } })).status);
    }
    return statuses;
  }

  it('never limits the users of an appservice with rate_limited: false', async () => {
    expect(await burst('as_free', '_free_fred', 8)).toEqual(new Array(8).fill(200));
  });

  it('limits the users of an appservice that did not opt out', async () => {
    expect(await burst('as_limited', '_lim_lou', 8)).toContain(429);
  });
});
