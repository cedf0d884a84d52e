/**
 * Purge history and message retention over real HTTP: old events are
 * deleted from the database, the room's state and latest events stay, the
 * client /messages pages down to the purge point and stops, and the room
 * keeps working. The retention job purges rooms by their effective policy.
 */
import { resumeInterruptedJobs, runRetentionJob, startRetentionPurges } from '@lattice/admin';
import { DB_KINDS, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { createRoom, joinRoom, sendEvent, sendMessage, sendState } from '../../client-api/test/support/rooms.js';
import { enc, startAdminTestServer, type AdminTestServer } from './support/rooms-admin-server.js';

type Page = { chunk: Array<{ event_id: string; type: string; content: { body?: string } }>; end?: string };

async function eventExists(hs: AdminTestServer, eventId: string): Promise<boolean> {
  const { rows } = await hs.db.query('SELECT 1 FROM events WHERE event_id = $1', [eventId]);
  return rows.length > 0;
}

async function purgeAndWait(hs: AdminTestServer, roomId: string, body: Record<string, unknown>): Promise<void> {
  const started = await hs.adminRequest<{ purge_id: string }>('POST', `/v1/purge_history/${enc(roomId)}`, body);
  expect(started.status).toBe(200);
  const status = await hs.poll<{ status: string }>(`/v1/purge_history_status/${started.body.purge_id}`, (b) => b.status !== 'active');
  expect(status).toEqual({ status: 'complete' });
}

/** Every event a user sees paging /messages backwards from the end. */
async function wholeTimeline(hs: AdminTestServer, user: Credentials, roomId: string): Promise<Page['chunk']> {
  const events: Page['chunk'] = [];
  let from: string | undefined;
  for (let i = 0; i < 20; i++) {
    const query = `dir=b&limit=4${from ? `&from=${enc(from)}` : ''}`;
    const page = await hs.request<Page>('GET', v3(`/rooms/${enc(roomId)}/messages?${query}`), { token: user.access_token });
    expect(page.status).toBe(200);
    events.push(...page.body.chunk);
    if (page.body.end === undefined) return events;
    from = page.body.end;
  }
  throw new Error('the timeline never ended');
}

describe.each(DB_KINDS)('purge history (%s)', (kind) => {
  let hs: AdminTestServer;
  let alice: Credentials;
  let bob: Credentials;

  beforeAll(async () => {
    hs = await startAdminTestServer(kind, {
      yaml: `
retention:
  enabled: true
  allowed_lifetime_min: 1d
  allowed_lifetime_max: 30d
`,
    });
    [alice, bob] = [await hs.createUser('alice'), await hs.createUser('bob')];
  });
  afterAll(() => hs.close());

  it('deletes events before the point, keeps state and the latest events; clients page to the point and stop', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'public_chat', name: 'History' });
    await joinRoom(hs, bob, roomId);
    const old: string[] = [];
    for (let i = 0; i < 6; i++) old.push(await sendMessage(hs, i % 2 ? bob : alice, roomId, `old ${i}`));
    const redaction = await sendEvent(hs, alice, roomId, 'm.room.redaction', { redacts: old[0] });
    const topic = await sendState(hs, alice, roomId, 'm.room.topic', '', { topic: 'kept' });
    const kept: string[] = [];
    for (let i = 0; i < 5; i++) kept.push(await sendMessage(hs, bob, roomId, `new ${i}`));
    const stateBefore = await hs.adminRequest<{ state: unknown[] }>('GET', `/v1/rooms/${enc(roomId)}/state`);

    // Local events stay unless delete_local_events is set.
    await purgeAndWait(hs, roomId, { purge_up_to_event_id: kept[0] });
    expect(await eventExists(hs, old[1]!)).toBe(true);

    await purgeAndWait(hs, roomId, { purge_up_to_event_id: kept[0], delete_local_events: true });
    for (const id of [...old, redaction]) expect(await eventExists(hs, id)).toBe(false);
    for (const id of [topic, ...kept]) expect(await eventExists(hs, id)).toBe(true);
    const { rows } = await hs.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM event_search WHERE event_id = ANY ($1::text[])`,
      [old],
    );
    expect(rows[0]!.n).toBe(0);

    const stateAfter = await hs.adminRequest<{ state: unknown[] }>('GET', `/v1/rooms/${enc(roomId)}/state`);
    expect(stateAfter.body.state).toEqual(stateBefore.body.state.map((e) => ({ ...(e as object), unsigned: expect.anything() })));

    const timeline = await wholeTimeline(hs, bob, roomId);
    expect(timeline.map((e) => e.content.body)).toEqual(['new 4', 'new 3', 'new 2', 'new 1', 'new 0']);

    // The room works on: sends, state, and the admin's view.
    const after = await sendMessage(hs, alice, roomId, 'after the purge');
    await sendState(hs, bob, roomId, 'm.room.member', bob.user_id, { membership: 'join', displayname: 'Bob' });
    const latest = await hs.request<Page>('GET', v3(`/rooms/${enc(roomId)}/messages?dir=b&limit=2`), { token: alice.access_token });
    expect(latest.body.chunk[1]!.event_id).toBe(after);
    const sync = await hs.request<{ rooms: { join: Record<string, { timeline: { events: Array<{ event_id: string }> } }> } }>(
      'GET',
      v3('/sync'),
      { token: bob.access_token },
    );
    expect(sync.status).toBe(200);
    expect(sync.body.rooms.join[roomId]!.timeline.events.map((e) => e.event_id)).toContain(after);
  });

  it('purges up to a timestamp', async () => {
    const roomId = await createRoom(hs, alice, {});
    const first = await sendMessage(hs, alice, roomId, 'first');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const cutoff = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await sendMessage(hs, alice, roomId, 'second');
    await purgeAndWait(hs, roomId, { purge_up_to_ts: cutoff, delete_local_events: true });
    expect(await eventExists(hs, first)).toBe(false);
    expect(await eventExists(hs, second)).toBe(true);
  });

  it('refuses bad requests and changes nothing', async () => {
    const roomId = await createRoom(hs, alice, {});
    const other = await createRoom(hs, alice, {});
    const elsewhere = await sendMessage(hs, alice, other, 'elsewhere');
    const kept = await sendMessage(hs, alice, roomId, 'kept');
    const purge = (body: unknown, suffix = '') => hs.adminRequest('POST', `/v1/purge_history/${enc(roomId)}${suffix}`, body);
    expect((await purge({})).body).toMatchObject({ errcode: 'M_BAD_JSON' });
    expect((await purge({ purge_up_to_ts: 'yesterday' })).status).toBe(400);
    expect((await purge({ purge_up_to_event_id: elsewhere })).status).toBe(400);
    expect((await purge({}, `/${enc(`$${'A'.repeat(43)}`)}`)).status).toBe(404);
    expect((await hs.adminRequest('POST', `/v1/purge_history/${enc('!nope:test.local')}`, { purge_up_to_ts: 1 })).status).toBe(404);
    expect((await hs.adminRequest('GET', '/v1/purge_history_status/unknown')).status).toBe(404);
    expect(await eventExists(hs, kept)).toBe(true);
    expect(await eventExists(hs, elsewhere)).toBe(true);
  });

  it('reports running jobs in background_updates/status; a lost job that cannot resume fails and frees the room', async () => {
    const roomId = await createRoom(hs, alice, {});
    const kept = await sendMessage(hs, alice, roomId, 'kept');
    expect((await hs.adminRequest('GET', '/v1/background_updates/status')).body).toEqual({ enabled: true, current_updates: {} });
    // A purge whose process died an hour ago (its heartbeat stopped; recorded without its parameters), and one running now elsewhere.
    const hourAgo = Date.now() - 3_600_000;
    await hs.db.query(
      `INSERT INTO purge_history_jobs (purge_id, room_id, status, deleted, started_ts, heartbeat_ts) VALUES
         ('lost', $1, 'active', 0, $2, $2), ('running', '!other:test.local', 'active', 7, $3, $3)`,
      [roomId, hourAgo, Date.now()],
    );
    const status = await hs.adminRequest<{ enabled: boolean; current_updates: { main?: { name: string; total_item_count: number } } }>(
      'GET',
      '/v1/background_updates/status',
    );
    expect(status.body.current_updates.main).toMatchObject({ name: 'purge_history !other:test.local', total_item_count: 7 });
    // It holds the room until a job runner claims it; without parameters it cannot run again, so it fails.
    expect((await hs.adminRequest('POST', `/v1/purge_history/${enc(roomId)}`, { purge_up_to_event_id: kept })).status).toBe(400);
    expect(await resumeInterruptedJobs(hs.ctx)).toEqual(['lost']);
    expect((await hs.adminRequest('GET', '/v1/purge_history_status/lost')).body).toMatchObject({ status: 'failed', error: expect.any(String) });
    await purgeAndWait(hs, roomId, { purge_up_to_event_id: kept, delete_local_events: true });
    await hs.db.query(`DELETE FROM purge_history_jobs WHERE purge_id = 'running'`);
  });

  it('retention jobs purge rooms by their policy, clamped by the allowed lifetimes', async () => {
    const day = 86_400_000;
    const clamped = await createRoom(hs, alice, {});
    // Asks for one hour; allowed_lifetime_min makes it one day.
    await sendState(hs, alice, clamped, 'm.room.retention', '', { max_lifetime: 3_600_000 });
    const noPolicy = await createRoom(hs, alice, {});
    const oldOne = await sendMessage(hs, alice, clamped, 'old');
    const untouched = await sendMessage(hs, alice, noPolicy, 'no policy');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const cut = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const newOne = await sendMessage(hs, alice, clamped, 'new');
    await sendMessage(hs, alice, clamped, 'newest');

    // An hour later nothing has expired: the clamped lifetime is a day.
    expect(await runRetentionJob(hs.ctx, { interval: 1000 }, cut + 3_600_000)).toEqual([]);
    expect(await eventExists(hs, oldOne)).toBe(true);
    // A job for longer lifetimes only does not cover the room.
    expect(await runRetentionJob(hs.ctx, { interval: 1000, shortest_max_lifetime: 2 * day }, cut + day)).toEqual([]);
    expect(await eventExists(hs, oldOne)).toBe(true);

    expect(await runRetentionJob(hs.ctx, { interval: 1000 }, cut + day)).toEqual([clamped]);
    expect(await eventExists(hs, oldOne)).toBe(false);
    expect(await eventExists(hs, newOne)).toBe(true);
    expect(await eventExists(hs, untouched)).toBe(true);
    const timeline = await wholeTimeline(hs, alice, clamped);
    expect(timeline.map((e) => e.content.body)).toEqual(['newest', 'new']);
    await sendMessage(hs, alice, clamped, 'still working');
  });
});

describe.each(DB_KINDS)('retention purge jobs on a schedule (%s)', (kind) => {
  let hs: AdminTestServer;
  afterAll(() => hs.close());

  it('hides expired messages from clients, then purges them on every interval', async () => {
    hs = await startAdminTestServer(kind, {
      yaml: `
retention:
  enabled: true
  default_policy: { max_lifetime: 2s }
  purge_jobs: [{ interval: 1s }]
`,
    });
    const alice = await hs.createUser('alice');
    const roomId = await createRoom(hs, alice, {});
    const expiring = await sendMessage(hs, alice, roomId, 'expiring');
    await sendMessage(hs, alice, roomId, 'latest');
    // Expired messages are hidden from clients before any job has run: /messages and /sync leave them out.
    const bodies = async () => {
      const page = await hs.request<Page>('GET', v3(`/rooms/${enc(roomId)}/messages?dir=b&limit=50`), { token: alice.access_token });
      return page.body.chunk.filter((e) => e.type === 'm.room.message').map((e) => e.content.body);
    };
    expect(await bodies()).toEqual(['latest', 'expiring']);
    for (let i = 0; i < 200 && (await bodies()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await bodies()).toEqual([]);
    expect(await eventExists(hs, expiring)).toBe(true);
    const sync = await hs.request<{ rooms: { join: Record<string, { timeline: { events: Array<{ type: string }> } }> } }>('GET', v3('/sync'), {
      token: alice.access_token,
    });
    expect(sync.body.rooms.join[roomId]!.timeline.events.filter((e) => e.type === 'm.room.message')).toEqual([]);

    const purges = startRetentionPurges(hs.ctx);
    try {
      for (let i = 0; i < 200 && (await eventExists(hs, expiring)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await eventExists(hs, expiring)).toBe(false);
    } finally {
      purges.stop();
    }
    // The room's newest event is its forward extremity: kept, and the room goes on.
    await sendMessage(hs, alice, roomId, 'after');
    expect(await bodies()).toEqual(['after']);
  });
});
