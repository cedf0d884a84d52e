/**
 * /metrics of a real single process (the built homeserver, as `npm start`
 * runs it), on PGlite and on PostgreSQL: every metric group operators chart
 * is exported from the start, and the series move when a client registers,
 * creates a room and sends messages. HTTP series are labelled by route
 * template: no user, room or event id ever becomes a label.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli, startHomeserver, type RunningHomeserver } from '../support/homeserver-process.js';
import { createEmptyPostgresDatabase } from '../support/postgres.js';
import { matrixClient } from '../support/matrix-client.js';
import { eventually } from '../support/wait.js';
import { freePort } from '../support/free-port.js';
import { parsePrometheusText, total, type Sample } from '../support/prometheus-text.js';

/** The client listener on an ephemeral port, the metrics listener on a free one (two port-0 listeners on one address are refused). */
const listeners = (metricsPort: number) =>
  '[{port: 0, bind_addresses: ["127.0.0.1"], type: http, resources: [{names: [client, federation]}]},' +
  ` {port: ${metricsPort}, bind_addresses: ["127.0.0.1"], type: metrics, resources: [{names: [metrics]}]}]`;

/** Series present from the first scrape, before any request (HTTP series appear with the first request). */
const ALWAYS = [
  'lattice_stream_position',
  'lattice_stream_lag',
  'lattice_events_persisted_total',
  'lattice_event_persist_batch_duration_seconds_count',
  'lattice_event_persist_failures_total',
  'lattice_federation_outbox_depth',
  'lattice_federation_outbox_oldest_age_seconds',
  'lattice_federation_destinations_backing_off',
  'lattice_federation_transactions_total',
  'lattice_federation_sent_total',
  'lattice_cache_requests_total',
  'lattice_db_pool_connections',
  'lattice_event_loop_delay_seconds',
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
];

const SEND_ROUTE = '/_matrix/client/v3/rooms/:roomId/send/:eventType/:txnId';

describe.each(['pglite', 'postgres'] as const)('/metrics of the single process on %s', (kind) => {
  let workdir: string;
  let database: { url: string; drop(): Promise<void> } | undefined;
  let server: RunningHomeserver;
  let metricsUrl: string;

  beforeAll(async () => {
    workdir = await mkdtemp(path.join(os.tmpdir(), 'lattice-metrics-'));
    const configPath = path.join(workdir, 'homeserver.yaml');
    await runCli('generate-config', ['--server-name', 'metrics.test', '--config', configPath], workdir);
    const env: Record<string, string> = {
      LATTICE_LISTENERS: listeners(await freePort()),
      LATTICE_ENABLE_REGISTRATION: 'true',
      LATTICE_ENABLE_REGISTRATION_WITHOUT_VERIFICATION: 'true',
    };
    if (kind === 'postgres') {
      database = await createEmptyPostgresDatabase();
      env.LATTICE_DATABASE = `{name: psycopg2, args: {connection_string: "${database.url}"}}`;
    }
    server = await startHomeserver({ cwd: workdir, args: ['--config', configPath], env });
    metricsUrl = await eventually('the metrics listener', () => {
      for (const line of server.output) {
        try {
          const entry = JSON.parse(line) as { msg?: string; type?: string; url?: string };
          if (entry.msg === 'listening' && entry.type === 'metrics') return entry.url;
        } catch {
          // not a log line
        }
      }
      return undefined;
    });
  });

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
    await rm(workdir, { recursive: true, force: true });
  });

  async function scrape(): Promise<Sample[]> {
    const res = await fetch(`${metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return parsePrometheusText(await res.text());
  }

  test('every metric group is exported, and the series move with traffic', async () => {
    const before = await scrape();
    const names = new Set(before.map((s) => s.name));
    expect(ALWAYS.filter((n) => !names.has(n))).toEqual([]);
    expect(before.every((s) => s.labels.role === 'homeserver')).toBe(true);
    expect(total(before, 'lattice_db_pool_connections', { pool: 'main', state: 'total' })).toBeGreaterThan(0);
    expect(total(before, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(before.filter((s) => s.name === 'lattice_event_loop_delay_seconds').map((s) => s.labels.stat)).toEqual(
      expect.arrayContaining(['p50', 'p99', 'max']),
    );

    const client = matrixClient(server.url);
    const uia = await client.registerRequest({ username: 'mia', password: 'pw pw pw pw' }).catch((e: { data: { session: string } }) => e.data);
    const registered = await client.register('mia', 'pw pw pw pw', (uia as { session: string }).session, { type: 'm.login.dummy' });
    const mia = matrixClient(server.url, { accessToken: registered.access_token!, userId: registered.user_id });
    const { room_id: roomId } = await mia.createRoom({ name: 'Metrics' });
    for (let i = 0; i < 3; i++) await mia.sendTextMessage(roomId, `m${i}`);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);
    expect(moved('lattice_events_persisted_total')).toBeGreaterThanOrEqual(3 + 5); // the room's initial events, then the messages
    expect(moved('lattice_event_persist_batch_duration_seconds_count')).toBeGreaterThan(0);
    expect(moved('lattice_stream_position', { stream: 'events', writer: '' })).toBeGreaterThanOrEqual(8);
    expect(total(after, 'lattice_http_request_duration_seconds_count', { route: SEND_ROUTE, method: 'PUT', status: '200' })).toBe(3);
    expect(moved('lattice_cache_requests_total')).toBeGreaterThan(0);

    // Route templates only: no id of a user, room or event in any label.
    const routes = new Set(after.filter((s) => s.name === 'lattice_http_request_duration_seconds_count').map((s) => s.labels.route!));
    expect([...routes].filter((r) => /[!@$]|metrics\.test/.test(r))).toEqual([]);
  });
});
