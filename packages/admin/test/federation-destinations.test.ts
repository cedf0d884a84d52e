/**
 * The federation destinations admin API on two real federating servers: A
 * sends to B; while B cannot be reached, A's sender backs off (persisted, an
 * hour here) and the admin API shows it; reset_connection ends the backoff
 * and the queued item reaches B at once. Delivered events show up as the
 * destination's last_successful_stream_ordering and per room.
 */
import { adminRouter } from '@lattice/admin';
import { createMetrics, type Metrics } from '@lattice/core';
import { registerFederationOutboxMetrics } from '@lattice/federation';
import { parsePrometheusText, total } from '../../../tests/support/prometheus-text.js';
import { DB_KINDS } from '../../client-api/test/support/test-server.js';
import { loopbackResolver } from '../../federation/test/support/federation-server.js';
import { withServerPair } from '../../federation/test/support/server-pair.js';
import { startLattice, type Lattice } from '../../federation/test/rooms/lattice-pair.js';

const enc = encodeURIComponent;
const HOUR = 3_600_000;

interface Destination {
  destination: string;
  retry_last_ts: number;
  retry_interval: number;
  failure_ts: number | null;
  last_successful_stream_ordering: number | null;
}

describe.each(DB_KINDS)('federation destinations admin API (%s)', (kind) => {
  let a: Lattice;
  let b: Lattice;
  let admin: { userId: string; token: string };
  let metrics: Metrics;
  // B is unknown to DNS until the test lets A reach it.
  const resolve = loopbackResolver(['a.test']);
  const withAdmin = async ({ deps }: { deps: { ctx: Lattice['ctx'] } }) => ({ clientRouters: [adminRouter(deps.ctx)] });

  // Closes the servers after the metrics (hooks run in the order declared).
  afterAll(() => metrics?.close());
  withServerPair({
    resolve,
    start: (hostname, ca) =>
      hostname === 'a.test' ? startLattice(kind, hostname, ca, resolve, withAdmin, { initialBackoffMs: HOUR }) : startLattice(kind, hostname, ca, resolve),
    started: (servers) => {
      [a, b] = servers;
    },
  });
  beforeAll(async () => {
    admin = await a.createUser('admin');
    await a.db.query('UPDATE users SET admin = TRUE WHERE user_id = $1', [admin.userId]);
    metrics = createMetrics('homeserver');
    registerFederationOutboxMetrics(metrics, a.db);
  });

  const adminGet = <T>(path: string) => a.request<T>('GET', `/_synapse/admin/v1/federation/destinations${path}`, admin.token);
  const outboxDepth = async () => (await a.db.query<{ n: number }>('SELECT count(*)::int AS n FROM federation_outbox')).rows[0]!.n;

  async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 300; i++) {
      const value = await check();
      if (value !== undefined) return value;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`never: ${what}`);
  }

  const scrape = async () => parsePrometheusText(await metrics.registry.metrics());

  test('a failing destination backs off, is listed with its retry state, and reset_connection sends at once', async () => {
    const initially = await scrape();
    await a.sender.queueEdu(b.serverName, 'org.lattice.test', { n: 1 });
    const failing = await until('B backing off', async () => {
      const reply = await adminGet<Destination>(`/${enc(b.serverName)}`);
      return reply.status === 200 && reply.body.retry_interval > 0 ? reply.body : undefined;
    });
    expect(failing.retry_interval).toBe(HOUR);
    expect(failing.retry_last_ts).toBeGreaterThan(0);
    expect(failing.failure_ts).toBe(failing.retry_last_ts);
    expect(failing.last_successful_stream_ordering).toBeNull();

    const list = await adminGet<{ destinations: Destination[]; total: number }>('');
    expect(list.status).toBe(200);
    expect(list.body.destinations).toContainEqual(failing);
    expect(list.body.total).toBe(list.body.destinations.length);

    // B is reachable again, but A will not try for an hour: the EDU stays queued.
    resolve.names.add('b.test');
    await a.sender.idle();
    expect(await outboxDepth()).toBe(1);
    // The backlog in /metrics: one item, queued for B, which backs off after a failed transaction.
    const backingOff = await scrape();
    expect(total(backingOff, 'lattice_federation_outbox_depth')).toBe(1);
    expect(total(backingOff, 'lattice_federation_outbox_destination_depth', { destination: b.serverName })).toBe(1);
    expect(total(backingOff, 'lattice_federation_destinations_backing_off')).toBe(1);
    expect(total(backingOff, 'lattice_federation_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    const failedTxns = (samples: typeof initially) => total(samples, 'lattice_federation_transactions_total', { result: 'failed' });
    expect(failedTxns(backingOff) - failedTxns(initially)).toBeGreaterThanOrEqual(1);

    const reset = await a.request('POST', `/_synapse/admin/v1/federation/destinations/${enc(b.serverName)}/reset_connection`, admin.token, {});
    expect([reset.status, reset.body]).toEqual([200, {}]);
    await until('the queued EDU delivered', async () => ((await outboxDepth()) === 0 ? true : undefined));
    const recovered = (await adminGet<Destination>(`/${enc(b.serverName)}`)).body;
    expect(recovered).toEqual({ ...failing, retry_last_ts: 0, retry_interval: 0, failure_ts: null });
    const drained = await scrape();
    expect(total(drained, 'lattice_federation_outbox_depth')).toBe(0);
    expect(drained.filter((m) => m.name === 'lattice_federation_outbox_destination_depth')).toEqual([]);
    expect(total(drained, 'lattice_federation_destinations_backing_off')).toBe(0);
    const sent = (samples: typeof initially) => total(samples, 'lattice_federation_sent_total', { kind: 'edu' });
    expect(sent(drained) - sent(backingOff)).toBeGreaterThanOrEqual(1);

    // Not backing off any more: nothing to reset.
    const again = await a.request('POST', `/_synapse/admin/v1/federation/destinations/${enc(b.serverName)}/reset_connection`, admin.token, {});
    expect(again.status).toBe(400);
  });

  test('delivered events: last_successful_stream_ordering and the rooms shared with the destination', async () => {
    const alice = await a.createUser('alice');
    const bob = await b.createUser('bob');
    const created = await a.request<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', alice.token, { preset: 'private_chat' });
    const roomId = created.body.room_id;
    expect((await a.request('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, alice.token, { user_id: bob.userId })).status).toBe(200);
    expect((await b.request('POST', `/_matrix/client/v3/join/${enc(roomId)}`, bob.token, {})).status).toBe(200);
    const sent = await a.request<{ event_id: string }>('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/t1`, alice.token, { msgtype: 'm.text', body: 'hi' });
    const { rows } = await a.db.query<{ stream_ordering: number }>('SELECT stream_ordering FROM events WHERE event_id = $1', [sent.body.event_id]);
    const position = Number(rows[0]!.stream_ordering);

    const status = await until('the message acknowledged by B', async () => {
      const reply = await adminGet<Destination>(`/${enc(b.serverName)}`);
      return (reply.body.last_successful_stream_ordering ?? 0) >= position ? reply.body : undefined;
    });
    expect(status.last_successful_stream_ordering).toBe(position);
    const rooms = await adminGet<{ rooms: Array<{ room_id: string; stream_ordering: number }>; total: number; next_token?: string }>(`/${enc(b.serverName)}/rooms`);
    expect(rooms.status).toBe(200);
    expect(rooms.body).toEqual({ rooms: [{ room_id: roomId, stream_ordering: position }], total: 1 });
  });

  test('pagination, ordering, unknown destinations and bad parameters', async () => {
    // A second destination, failing (its name never resolves; an explicit port skips SRV and .well-known).
    await a.sender.queueEdu('c.test:1', 'org.lattice.test', { n: 2 });
    await until('c.test listed', async () => ((await adminGet<Destination>('/c.test:1')).status === 200 ? true : undefined));

    const first = await adminGet<{ destinations: Destination[]; total: number; next_token?: string }>('?limit=1');
    expect(first.body.total).toBe(2);
    expect(first.body.destinations.map((d) => d.destination)).toEqual([b.serverName]);
    expect(first.body.next_token).toBe('1');
    const second = await adminGet<{ destinations: Destination[]; next_token?: string }>('?limit=1&from=1');
    expect(second.body.destinations.map((d) => d.destination)).toEqual(['c.test:1']);
    expect(second.body.next_token).toBeUndefined();
    const backwards = await adminGet<{ destinations: Destination[] }>('?dir=b');
    expect(backwards.body.destinations.map((d) => d.destination)).toEqual(['c.test:1', b.serverName]);
    // A NULL failure_ts (not failing) sorts lowest.
    const byFailure = await adminGet<{ destinations: Destination[] }>('?order_by=failure_ts&dir=b');
    expect(byFailure.body.destinations.map((d) => d.destination)).toEqual(['c.test:1', b.serverName]);
    const byInterval = await adminGet<{ destinations: Destination[] }>('?order_by=retry_interval&dir=b');
    expect(byInterval.body.destinations[0]!.destination).toBe('c.test:1');

    for (const query of ['?from=-1', '?limit=x', '?order_by=name', '?dir=sideways']) {
      const reply = await adminGet<{ errcode: string }>(query);
      expect([query, reply.status, reply.body.errcode]).toEqual([query, 400, 'M_INVALID_PARAM']);
    }
    for (const [method, path] of [
      ['GET', '/unknown.test'],
      ['GET', '/unknown.test/rooms'],
      ['POST', '/unknown.test/reset_connection'],
    ] as const) {
      const reply = await a.request<{ errcode: string }>(method, `/_synapse/admin/v1/federation/destinations${path}`, admin.token, method === 'POST' ? {} : undefined);
      expect([path, reply.status, reply.body.errcode]).toEqual([path, 404, 'M_NOT_FOUND']);
    }
  });

  test('only server admins', async () => {
    const mallory = await a.createUser('mallory');
    const reply = await a.request<{ errcode: string }>('GET', '/_synapse/admin/v1/federation/destinations', mallory.token);
    expect([reply.status, reply.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
    const reset = await a.request<{ errcode: string }>('POST', `/_synapse/admin/v1/federation/destinations/c.test:1/reset_connection`, mallory.token, {});
    expect(reset.status).toBe(403);
  });
});
