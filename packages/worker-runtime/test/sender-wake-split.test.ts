/**
 * A backing-off destination that talks to us, in the worker split: event
 * persister, federation-inbound and two federation senders sharing the
 * destinations (federation_sender_instances), each started as its role's
 * app does (runWorker) over real PostgreSQL and Redis. A signed request
 * from "remote.test", which the senders back off from for an hour, ends the
 * backoff (federation-inbound calls the owning sender's internal endpoint,
 * mounted by runWorker), so the sender tries it again at once.
 */
import { encodeBase64, generateSigningKey } from '@lattice/core';
import { signRequest } from '@lattice/federation';
import { federationSenderFor } from '../src/topology/shard.js';
import { INTERNAL_PREFIX } from '../src/internal/wire.js';
import { freePort } from '../../../tests/support/free-port.js';
import { closeSplitSuite, createSplitSuite, sharedWorkerConfig, sqlOn, startWorkers, type SplitSuite, type SplitWorker } from './support/split-workers.js';

const REMOTE = 'remote.test';
const remoteKey = generateSigningKey('r1');
const HOUR = 3_600_000;
const SECRET = 'internal-secret';
const SENDERS = ['sender-1', 'sender-2'];

const WORKERS: SplitWorker[] = [
  { name: 'event-persister-1', role: 'event-persister' },
  { name: 'federation-inbound', role: 'federation-inbound' },
  ...SENDERS.map((name): SplitWorker => ({ name, role: 'federation-sender' })),
];

let suite: SplitSuite;
const worker = (name: string) => WORKERS.find((w) => w.name === name)!;

beforeAll(async () => {
  suite = await createSplitSuite('wake');
  for (const w of WORKERS) {
    if (w.role === 'federation-inbound') w.publicPort = await freePort();
    w.internalPort = await freePort();
  }
  const writer = ['event-persister-1'];
  const shared = {
    ...sharedWorkerConfig(suite, { poolSize: 3, secret: SECRET }),
    instance_map: Object.fromEntries(WORKERS.map((w) => [w.name, { host: '127.0.0.1', port: w.internalPort }])),
    stream_writers: Object.fromEntries(
      ['events', 'account_data', 'receipts', 'to_device', 'device_lists', 'presence', 'push_rules', 'caches', 'typing'].map((s) => [s, writer]),
    ),
    federation_sender_instances: SENDERS,
  };
  await startWorkers(suite, WORKERS, shared, ['federation']);
}, 120_000);

afterAll(() => closeSplitSuite(suite, WORKERS), 60_000);

const sql = <R>(text: string, params: unknown[] = []) => sqlOn<R>(suite.databaseUrl, text, params);

const retryInterval = async () =>
  Number((await sql<{ i: string }>('SELECT retry_interval_ms AS i FROM federation_destinations WHERE destination = $1', [REMOTE]))[0]!.i);

describe('waking a backing-off destination in the worker split', () => {
  it("the destination's owner serves wakes on its internal listener", async () => {
    const owner = federationSenderFor(REMOTE, SENDERS)!;
    const res = await fetch(`http://127.0.0.1:${worker(owner).internalPort}${INTERNAL_PREFIX}/federation/wake`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ positions: {}, args: { destination: 'nowhere.test' } }),
    });
    expect(res.status).toBe(200);
    // An internal answer is never conditional: no ETag, whose SHA-1 every call used to pay for.
    expect(res.headers.get('etag')).toBeNull();
    // Not on federation-inbound, which sends nothing.
    const inbound = await fetch(`http://127.0.0.1:${worker('federation-inbound').internalPort}${INTERNAL_PREFIX}/federation/wake`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ positions: {}, args: { destination: 'nowhere.test' } }),
    });
    expect(inbound.status).toBe(404);
  });

  it('a request from a destination backed off for an hour ends its backoff at once', async () => {
    // remote.test's key, as a fetch of it would have stored it; an EDU queued for it, and an hour's backoff.
    await sql(
      `INSERT INTO federation_server_keys (server_name, key_id, public_key, valid_until_ts, expired_ts, fetched_ts, from_server, response_json)
       VALUES ($1, $2, $3, $4, NULL, $5, $1, '{}')`,
      [REMOTE, remoteKey.keyId, encodeBase64(remoteKey.publicKey), Date.now() + 86_400_000, Date.now()],
    );
    await sql(`INSERT INTO federation_outbox (destination, kind, payload_json, queued_ts) VALUES ($1, 'edu', '{"edu_type":"org.example","content":{}}', $2)`, [REMOTE, Date.now()]);
    await sql('INSERT INTO federation_destinations (destination, retry_after_ts, retry_interval_ms, failing_since_ts) VALUES ($1, $2, $3, $4)', [
      REMOTE,
      Date.now() + HOUR,
      HOUR,
      Date.now(),
    ]);

    const uri = '/_matrix/federation/v1/send/t1';
    const content = { origin: REMOTE, origin_server_ts: Date.now(), pdus: [], edus: [] };
    const authorization = signRequest({ method: 'PUT', uri, origin: REMOTE, destination: suite.serverName, content }, remoteKey);
    const res = await fetch(`http://127.0.0.1:${worker('federation-inbound').publicPort}${uri}`, {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(content),
    });
    expect(res.status).toBe(200);

    // Ended (0), or ended and tried again (remote.test does not resolve): the first backoff again, not an hour.
    let interval = await retryInterval();
    for (let i = 0; i < 200 && interval === HOUR; i++) {
      await new Promise((r) => setTimeout(r, 50));
      interval = await retryInterval();
    }
    expect(interval).toBeLessThan(HOUR);
  });
});
