/**
 * Presence over real HTTP on PostgreSQL and PGlite: /presence endpoints and
 * their errors, delivery through /sync to users sharing a room only, long-poll
 * wake-ups, set_presence, the timers (driven by a moved clock) and coalescing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DB_KINDS, type Credentials } from '../../client-api/test/support/test-server.js';
import { createRoom, joinRoom, sendMessage } from '../../client-api/test/support/rooms.js';
import {
  getPresence,
  presenceOf,
  presenceSync,
  setPresence,
  startPresenceServer,
  statusPath,
  type PresenceTestServer,
} from './support/presence-server.js';

describe.each(DB_KINDS)('presence (%s)', (kind) => {
  let server: PresenceTestServer;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;
  let roomId: string;

  beforeAll(async () => {
    server = await startPresenceServer(kind);
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => server.hs.createUser(name)));
    roomId = await createRoom(server.hs, alice, { preset: 'public_chat' });
    await joinRoom(server.hs, bob, roomId);
  });
  afterAll(() => server.close());

  const streamIdOf = async (userId: string): Promise<number | undefined> =>
    (await server.hs.db.query<{ stream_id: number }>('SELECT stream_id FROM presence WHERE user_id = $1', [userId])).rows[0]?.stream_id;

  it('sets and reads one\'s own presence', async () => {
    await setPresence(server.hs, alice, { presence: 'online', status_msg: 'In a meeting' });
    server.clock.now += 1500;
    const reply = await getPresence(server.hs, alice, alice.user_id);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ presence: 'online', status_msg: 'In a meeting', currently_active: true, last_active_ago: 1500 });

    // No status_msg clears it; unavailable carries no currently_active.
    await setPresence(server.hs, alice, { presence: 'unavailable' });
    const after = await getPresence(server.hs, alice, alice.user_id);
    expect(after.body.presence).toBe('unavailable');
    expect(after.body).not.toHaveProperty('status_msg');
    expect(after.body).not.toHaveProperty('currently_active');
  });

  it('refuses bad input without changing anything', async () => {
    await setPresence(server.hs, alice, { presence: 'online', status_msg: 'before' });
    const position = await streamIdOf(alice.user_id);
    const put = (body: unknown, who: Credentials = alice, raw?: string) =>
      server.hs.request('PUT', statusPath(alice.user_id), { token: who.access_token, body, raw });
    const cases: Array<[Promise<{ status: number; body: Record<string, unknown> }>, number, string]> = [
      [put({ presence: 'online' }, bob), 403, 'M_FORBIDDEN'],
      [put({ status_msg: 'x' }), 400, 'M_MISSING_PARAM'],
      [put({ presence: 'busy' }), 400, 'M_INVALID_PARAM'],
      [put({ presence: 42 }), 400, 'M_INVALID_PARAM'],
      [put({ presence: 'online', status_msg: 7 }), 400, 'M_INVALID_PARAM'],
      [put(['online']), 400, 'M_BAD_JSON'],
      [put(undefined, alice, '{not json'), 400, 'M_NOT_JSON'],
    ];
    for (const [reply, status, errcode] of cases) {
      const { status: got, body } = await reply;
      expect([got, body.errcode]).toEqual([status, errcode]);
    }
    const invalidUser = await server.hs.request('GET', statusPath('not-a-user-id'), { token: alice.access_token });
    expect([invalidUser.status, invalidUser.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    expect(await streamIdOf(alice.user_id)).toBe(position);
    expect((await getPresence(server.hs, alice, alice.user_id)).body.status_msg).toBe('before');
  });

  it('shows another user\'s presence only to users who share a room with them', async () => {
    const shared = await getPresence(server.hs, bob, alice.user_id);
    expect(shared.status).toBe(200);
    expect(shared.body.presence).toBe('online');
    const stranger = await getPresence(server.hs, carol, alice.user_id);
    expect([stranger.status, stranger.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
    const unknown = await getPresence(server.hs, carol, '@nobody:test.local');
    expect(unknown.status).toBe(403);
  });

  it('delivers presence in /sync to room co-members and the user, never to others', async () => {
    const [bobStart, carolStart, aliceStart] = await Promise.all(
      [bob, carol, alice].map((u) => presenceSync(server.hs, u, { set_presence: 'offline' })),
    );
    // Initial sync: co-members not offline.
    expect(presenceOf(bobStart, alice.user_id)?.content.presence).toBe('online');
    expect(presenceOf(carolStart, alice.user_id)).toBeUndefined();

    await setPresence(server.hs, alice, { presence: 'unavailable', status_msg: 'lunch' });
    const [bobNext, carolNext, aliceNext] = await Promise.all([
      presenceSync(server.hs, bob, { since: bobStart.next_batch, set_presence: 'offline' }),
      presenceSync(server.hs, carol, { since: carolStart.next_batch, set_presence: 'offline' }),
      presenceSync(server.hs, alice, { since: aliceStart.next_batch, set_presence: 'offline' }),
    ]);
    const seen = presenceOf(bobNext, alice.user_id);
    expect(seen).toMatchObject({ type: 'm.presence', sender: alice.user_id, content: { presence: 'unavailable', status_msg: 'lunch' } });
    expect(typeof seen?.content.last_active_ago).toBe('number');
    expect(presenceOf(aliceNext, alice.user_id)?.content.presence).toBe('unavailable');
    expect(carolNext.presence?.events ?? []).toEqual([]);

    // Nothing changed since: an incremental sync carries no presence.
    const quiet = await presenceSync(server.hs, bob, { since: bobNext.next_batch, set_presence: 'offline' });
    expect(quiet.presence?.events ?? []).toEqual([]);
  });

  it('wakes a co-member\'s long-poll when presence changes', async () => {
    const start = await presenceSync(server.hs, bob, { set_presence: 'offline' });
    const poll = presenceSync(server.hs, bob, { since: start.next_batch, timeout: 20_000, set_presence: 'offline' });
    // Let the long-poll register before the change (it answers with the change either way).
    await new Promise((resolve) => setTimeout(resolve, 100));
    await setPresence(server.hs, alice, { presence: 'online', status_msg: 'back' });
    const woken = await poll;
    expect(presenceOf(woken, alice.user_id)?.content).toMatchObject({ presence: 'online', status_msg: 'back', currently_active: true });
  });

  it('honours the presence filter', async () => {
    const start = await presenceSync(server.hs, bob, { set_presence: 'offline' });
    await setPresence(server.hs, alice, { presence: 'online', status_msg: 'filtered' });
    const filter = JSON.stringify({ presence: { not_senders: [alice.user_id] } });
    const reply = await server.hs.request<{ presence?: { events: unknown[] } }>(
      'GET',
      `/_matrix/client/v3/sync?since=${start.next_batch}&set_presence=offline&filter=${encodeURIComponent(filter)}`,
      { token: bob.access_token },
    );
    expect(reply.body.presence?.events ?? []).toEqual([]);
  });

  it('sends the presence of users one newly shares a room with', async () => {
    const hank = await server.hs.createUser('hank');
    await setPresence(server.hs, hank, { presence: 'online', status_msg: 'new here' });
    await setPresence(server.hs, alice, { presence: 'online', status_msg: 'welcome' });
    const [bobStart, hankStart] = await Promise.all([bob, hank].map((u) => presenceSync(server.hs, u, { set_presence: 'offline' })));
    expect(presenceOf(bobStart, hank.user_id)).toBeUndefined();
    expect(presenceOf(hankStart, alice.user_id)).toBeUndefined();

    await joinRoom(server.hs, hank, roomId);
    const [bobNext, hankNext] = await Promise.all([
      presenceSync(server.hs, bob, { since: bobStart.next_batch, set_presence: 'offline' }),
      presenceSync(server.hs, hank, { since: hankStart.next_batch, set_presence: 'offline' }),
    ]);
    expect(presenceOf(bobNext, hank.user_id)?.content).toMatchObject({ presence: 'online', status_msg: 'new here' });
    expect(presenceOf(hankNext, alice.user_id)?.content).toMatchObject({ presence: 'online', status_msg: 'welcome' });
  });

  it('marks a syncing user online, honours set_presence, and times out like Synapse', async () => {
    const dave = await server.hs.createUser('dave');
    await joinRoom(server.hs, dave, roomId);
    const t0 = server.clock.now;
    const first = await presenceSync(server.hs, dave);
    // The sync that brought dave online already carries it.
    expect(presenceOf(first, dave.user_id)?.content).toMatchObject({ presence: 'online', currently_active: true });

    await presenceSync(server.hs, dave, { since: first.next_batch, set_presence: 'unavailable' });
    expect((await getPresence(server.hs, bob, dave.user_id)).body.presence).toBe('unavailable');
    await presenceSync(server.hs, dave, { since: first.next_batch, set_presence: 'offline' });
    expect((await getPresence(server.hs, bob, dave.user_id)).body.presence).toBe('unavailable');
    await presenceSync(server.hs, dave, { since: first.next_batch });
    expect((await getPresence(server.hs, bob, dave.user_id)).body.presence).toBe('online');

    // Not syncing: 30 s after the last sync (or activity) → offline, not before.
    server.clock.now = t0 + 25_000;
    await server.features.presence.sweep();
    expect((await getPresence(server.hs, bob, dave.user_id)).body.presence).toBe('online');
    server.clock.now = t0 + 31_000;
    await server.features.presence.sweep();
    expect((await getPresence(server.hs, bob, dave.user_id)).body).toEqual({ presence: 'offline', last_active_ago: 31_000 });
  });

  it('keeps a user with a sync in progress online, then idle after 5 minutes', async () => {
    const erin = await server.hs.createUser('erin');
    await joinRoom(server.hs, erin, roomId);
    const start = await presenceSync(server.hs, erin);
    const t0 = server.clock.now;
    const abort = new AbortController();
    // A filter without presence: erin's own presence changes must not end her long-poll.
    const filter = JSON.stringify({ presence: { types: [] } });
    const poll = presenceSync(server.hs, erin, { since: start.next_batch, timeout: 60_000, filter }, abort.signal).catch(() => undefined);
    while (server.features.presence.syncsInProgress(erin.user_id) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    try {
      server.clock.now = t0 + 61_000;
      await server.features.presence.sweep();
      // Past the granularity: still online (syncing), no longer currently active.
      expect((await getPresence(server.hs, bob, erin.user_id)).body).toMatchObject({ presence: 'online', currently_active: false });
      server.clock.now = t0 + 5 * 60_000 + 1_000;
      await server.features.presence.sweep();
      expect((await getPresence(server.hs, bob, erin.user_id)).body.presence).toBe('unavailable');
    } finally {
      abort.abort();
      await poll;
    }
    // The next sync is activity again.
    await presenceSync(server.hs, erin);
    expect((await getPresence(server.hs, bob, erin.user_id)).body).toMatchObject({ presence: 'online', currently_active: true });
  });

  it('sending a message is activity: an idle user comes back online', async () => {
    await setPresence(server.hs, bob, { presence: 'unavailable' });
    server.clock.now += 90_000;
    await sendMessage(server.hs, bob, roomId, 'I am back');
    // The persister's hook notes the activity without holding up the send: wait for it to land.
    let body = (await getPresence(server.hs, alice, bob.user_id)).body;
    for (let i = 0; i < 100 && body.presence !== 'online'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      body = (await getPresence(server.hs, alice, bob.user_id)).body;
    }
    expect(body).toMatchObject({ presence: 'online', currently_active: true, last_active_ago: 0 });
  });

  it('combines devices: a background device syncing as unavailable does not idle a user active elsewhere', async () => {
    const ivy = await server.hs.createUser('ivy');
    await joinRoom(server.hs, ivy, roomId);
    const { presence } = server.features;
    const endDesktop = await presence.syncStarted(ivy.user_id, 'DESKTOP', 'online');
    const position = await streamIdOf(ivy.user_id);
    for (let i = 0; i < 3; i++) (await presence.syncStarted(ivy.user_id, 'PHONE', 'unavailable'))();
    expect(await streamIdOf(ivy.user_id)).toBe(position);
    expect((await getPresence(server.hs, bob, ivy.user_id)).body.presence).toBe('online');
    endDesktop();
    // The desktop still counts for 30 s after its last sync; then the phone's choice holds.
    server.clock.now += 31_000;
    (await presence.syncStarted(ivy.user_id, 'PHONE', 'unavailable'))();
    expect((await getPresence(server.hs, bob, ivy.user_id)).body.presence).toBe('unavailable');
  });

  it('writes nothing for repeated syncs of an active user (coalescing)', async () => {
    const frank = await server.hs.createUser('frank');
    await joinRoom(server.hs, frank, roomId);
    const first = await presenceSync(server.hs, frank);
    const position = await streamIdOf(frank.user_id);
    expect(position).toBeDefined();
    let since = first.next_batch;
    for (let i = 0; i < 5; i++) {
      server.clock.now += 5_000;
      since = (await presenceSync(server.hs, frank, { since })).next_batch;
    }
    expect(await streamIdOf(frank.user_id)).toBe(position);
    // GET still reports the latest activity, from the writer's memory.
    expect((await getPresence(server.hs, frank, frank.user_id)).body.last_active_ago).toBe(0);
  });
});

describe('presence switched off (presence.enabled: false)', () => {
  let server: PresenceTestServer;
  let alice: Credentials;

  beforeAll(async () => {
    server = await startPresenceServer('pglite', { yaml: 'presence: { enabled: false }\n' });
    alice = await server.hs.createUser('alice');
  });
  afterAll(() => server.close());

  it('accepts PUT, answers offline, and sends nothing in /sync', async () => {
    await setPresence(server.hs, alice, { presence: 'online', status_msg: 'hi' });
    expect((await getPresence(server.hs, alice, alice.user_id)).body).toEqual({ presence: 'offline' });
    const body = await presenceSync(server.hs, alice);
    expect(body.presence).toBeUndefined();
    const { rows } = await server.hs.db.query('SELECT user_id FROM presence');
    expect(rows).toEqual([]);
  });

  it('still validates PUT bodies', async () => {
    const reply = await server.hs.request('PUT', statusPath(alice.user_id), { token: alice.access_token, body: { presence: 'away' } });
    expect([reply.status, reply.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
  });
});
