/**
 * `presence.enabled: false`: inbound m.presence is ignored (nothing stored),
 * while the same EDU is stored with presence on; and the origin may only
 * speak for its own users.
 */
import { DB_KINDS, startTestServer, type TestServer } from '../../../client-api/test/support/test-server.js';
import { presenceEduHandler } from '../../src/edus/presence.js';

const ORIGIN = 'remote.test';

describe.each(DB_KINDS)('inbound m.presence and the presence switch (%s)', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(() => server.close());

  const stored = async (userId: string) =>
    (await server.db.query<{ state: string; status_msg: string | null }>('SELECT state, status_msg FROM presence WHERE user_id = $1', [userId])).rows;
  const edu = (userId: string) => ({ push: [{ user_id: userId, presence: 'online', last_active_ago: 1_000, currently_active: true, status_msg: 'hi' }] });

  test('ignored with presence disabled, stored with it enabled', async () => {
    const off = { ...server.ctx, config: { ...server.ctx.config, presence: { ...server.ctx.config.presence, enabled: false } } };
    await presenceEduHandler(off)(ORIGIN, edu(`@off:${ORIGIN}`));
    expect(await stored(`@off:${ORIGIN}`)).toEqual([]);

    await presenceEduHandler(server.ctx)(ORIGIN, edu(`@on:${ORIGIN}`));
    expect(await stored(`@on:${ORIGIN}`)).toEqual([{ state: 'online', status_msg: 'hi' }]);
  });

  test('an origin speaking for another server’s user, or sending a malformed entry, stores nothing', async () => {
    await presenceEduHandler(server.ctx)(ORIGIN, edu('@victim:elsewhere.test'));
    await presenceEduHandler(server.ctx)(ORIGIN, { push: [{ user_id: `@bad:${ORIGIN}`, presence: 'busy', last_active_ago: 1 }] });
    await presenceEduHandler(server.ctx)(ORIGIN, { push: [{ user_id: `@bad2:${ORIGIN}`, presence: 'online', last_active_ago: -5 }] });
    expect(await stored('@victim:elsewhere.test')).toEqual([]);
    expect(await stored(`@bad:${ORIGIN}`)).toEqual([]);
    expect(await stored(`@bad2:${ORIGIN}`)).toEqual([]);
  });
});
