/**
 * Typing and presence EDUs of other servers in the worker split: an event
 * persister, a client reader that writes the typing and presence streams, a
 * sync worker and federation-inbound, each started as its role's app does
 * (runWorker) over a real PostgreSQL and Redis, talking real HTTP. A signed
 * /send transaction from "remote.test" carrying m.typing and m.presence for
 * its user, joined to a local room, reaches a local user's /sync on the sync
 * worker; EDUs speaking for users of other servers change nothing; and with
 * the typing writer gone, the transaction still succeeds.
 */
import {
  ROOM_VERSIONS,
  computeEventId,
  encodeBase64,
  generateSigningKey,
  hashAndSignEvent,
  type PDU,
} from '@lattice/core';
import { signRequest } from '@lattice/federation';
import { closeSplitSuite, createSplitSuite, sharedWorkerConfig, sqlOn, startWorkers, type SplitSuite, type SplitWorker } from './support/split-workers.js';
import { freePort } from '../../../tests/support/free-port.js';

const REMOTE = 'remote.test';
const remoteKey = generateSigningKey('r1');
const rita = `@rita:${REMOTE}`;
const mallory = '@mallory:elsewhere.test';

const WORKERS: SplitWorker[] = [
  { name: 'event-persister-1', role: 'event-persister' },
  { name: 'client-reader-1', role: 'client-reader' },
  { name: 'federation-inbound', role: 'federation-inbound' },
  { name: 'sync-1', role: 'sync' },
];

let suite: SplitSuite;
const urlOf = (name: string) => `http://127.0.0.1:${WORKERS.find((w) => w.name === name)!.publicPort}`;

beforeAll(async () => {
  suite = await createSplitSuite('edus');
  for (const w of WORKERS) {
    if (w.role !== 'event-persister') w.publicPort = await freePort();
    if (w.role !== 'sync') w.internalPort = await freePort();
  }
  const generous = { per_second: 1000, burst_count: 1000 };
  const shared = {
    ...sharedWorkerConfig(suite, { poolSize: 5, secret: 'internal-secret' }),
    enable_registration: true,
    enable_registration_without_verification: true,
    rc_registration: generous,
    instance_map: Object.fromEntries(WORKERS.filter((w) => w.internalPort).map((w) => [w.name, { host: '127.0.0.1', port: w.internalPort }])),
    stream_writers: {
      events: ['event-persister-1'],
      account_data: ['client-reader-1'],
      receipts: ['client-reader-1', 'federation-inbound'],
      to_device: ['client-reader-1', 'federation-inbound'],
      device_lists: ['client-reader-1', 'federation-inbound'],
      presence: ['client-reader-1'],
      push_rules: ['client-reader-1'],
      caches: ['client-reader-1'],
      typing: ['client-reader-1'],
    },
  };
  // In order: the persister first (the others call it), the writers before their readers.
  await startWorkers(suite, WORKERS, shared, ['client', 'federation']);
}, 120_000);

afterAll(() => closeSplitSuite(suite, WORKERS), 60_000);

/** A Client-Server call with a bearer token. */
async function client<T = Record<string, unknown>>(base: string, token: string | undefined, method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}/_matrix/client/v3${p}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A federation request from remote.test to federation-inbound, signed with remote.test's key (X-Matrix). */
async function federation<T = Record<string, unknown>>(method: string, uri: string, content?: unknown): Promise<{ status: number; body: T }> {
  const authorization = signRequest({ method, uri, origin: REMOTE, destination: suite.serverName, content }, remoteKey);
  const res = await fetch(`${urlOf('federation-inbound')}${uri}`, {
    method,
    headers: { authorization, 'content-type': 'application/json' },
    body: content === undefined ? undefined : JSON.stringify(content),
  });
  // Parsed in this realm: canonical JSON (signing) takes only plain objects of its own.
  return { status: res.status, body: JSON.parse(await res.text()) as T };
}

const sql = <R>(text: string, params: unknown[]) => sqlOn<R>(suite.databaseUrl, text, params);

let txn = 0;
/** PUT /send with EDUs only; resolves with its answer once federation-inbound has handled every EDU. */
function sendEdus(edus: Array<{ edu_type: string; content: Record<string, unknown> }>) {
  return federation<{ pdus: Record<string, unknown> }>('PUT', `/_matrix/federation/v1/send/t${++txn}`, {
    origin: REMOTE,
    origin_server_ts: Date.now(),
    pdus: [],
    edus,
  });
}

type Sync = {
  next_batch: string;
  presence?: { events: Array<{ sender: string; content: { presence: string; status_msg?: string } }> };
  rooms?: {
    join?: Record<string, { timeline: { events: Array<{ type: string; state_key?: string; content: { membership?: string } }> }; ephemeral: { events: Array<{ type: string; content: { user_ids?: string[] } }> } }>;
  };
};

/** Alice's /sync on the sync worker, long-polled from `since` until `found` picks something out of a response. */
async function syncUntil<T>(token: string, since: string, found: (sync: Sync) => T | undefined): Promise<{ value: T; since: string }> {
  for (let i = 0; i < 30; i++) {
    const sync = await client<Sync>(urlOf('sync-1'), token, 'GET', `/sync?timeout=10000&since=${encodeURIComponent(since)}`);
    since = sync.next_batch;
    const value = found(sync);
    if (value !== undefined) return { value, since };
  }
  throw new Error('never seen in /sync');
}

describe('typing and presence EDUs in the worker split', () => {
  let alice: { userId: string; token: string };
  let roomId: string;
  let since: string;

  it("a remote user joins a local room through federation-inbound (make_join, send_join)", async () => {
    const reg = await client<{ user_id: string; access_token: string }>(urlOf('client-reader-1'), undefined, 'POST', '/register', {
      username: 'alice',
      password: 'pw pw pw pw',
      auth: { type: 'm.login.dummy' },
    });
    alice = { userId: reg.user_id, token: reg.access_token };
    roomId = (await client<{ room_id: string }>(urlOf('client-reader-1'), alice.token, 'POST', '/createRoom', { preset: 'public_chat' })).room_id;
    since = (await client<Sync>(urlOf('sync-1'), alice.token, 'GET', '/sync?timeout=0')).next_batch;

    // remote.test's key, as a fetch of it would have stored it.
    await sql(
      `INSERT INTO federation_server_keys (server_name, key_id, public_key, valid_until_ts, expired_ts, fetched_ts, from_server, response_json)
       VALUES ($1, $2, $3, $4, NULL, $5, $1, '{}')`,
      [REMOTE, remoteKey.keyId, encodeBase64(remoteKey.publicKey), Date.now() + 86_400_000, Date.now()],
    );

    const versions = [...ROOM_VERSIONS.keys()].map((v) => `ver=${v}`).join('&');
    const made = await federation<{ room_version: string; event: Record<string, unknown> }>(
      'GET',
      `/_matrix/federation/v1/make_join/${encodeURIComponent(roomId)}/${encodeURIComponent(rita)}?${versions}`,
    );
    expect(made.status).toBe(200);
    const version = ROOM_VERSIONS.get(made.body.room_version)!;
    const join = hashAndSignEvent({ ...made.body.event, origin: REMOTE, origin_server_ts: Date.now() } as unknown as PDU, REMOTE, remoteKey, version);
    const eventId = computeEventId(join, version);
    const sent = await federation('PUT', `/_matrix/federation/v2/send_join/${encodeURIComponent(roomId)}/${encodeURIComponent(eventId)}`, join);
    expect(sent.status).toBe(200);

    ({ since } = await syncUntil(alice.token, since, (s) =>
      s.rooms?.join?.[roomId]?.timeline.events.find((e) => e.type === 'm.room.member' && e.state_key === rita && e.content.membership === 'join'),
    ));
  });

  it("m.typing reaches the typing writer and alice's /sync on the sync worker; typing for other servers' users does not", async () => {
    const typing = (userId: string) => ({ edu_type: 'm.typing', content: { room_id: roomId, user_id: userId, typing: true } });
    // Spoofs first: each EDU is handled (forwarded and applied) before the next, so the typers seen with rita's tell.
    const answer = await sendEdus([typing(alice.userId), typing(mallory), typing(rita)]);
    expect(answer).toEqual({ status: 200, body: { pdus: {} } });
    const seen = await syncUntil(alice.token, since, (s) => s.rooms?.join?.[roomId]?.ephemeral.events.find((e) => e.type === 'm.typing')?.content.user_ids);
    expect(seen.value).toEqual([rita]);
    since = seen.since;
  });

  it("m.presence reaches the presence writer and alice's /sync; presence of other servers' users is not stored", async () => {
    const push = (userId: string, presence: string, statusMsg: string) => ({ user_id: userId, presence, last_active_ago: 0, currently_active: true, status_msg: statusMsg });
    const answer = await sendEdus([
      { edu_type: 'm.presence', content: { push: [push(alice.userId, 'unavailable', 'spoofed'), push(mallory, 'online', 'spoofed'), push(rita, 'online', 'from remote')] } },
    ]);
    expect(answer).toEqual({ status: 200, body: { pdus: {} } });
    const seen = await syncUntil(alice.token, since, (s) => s.presence?.events.find((e) => e.sender === rita)?.content);
    expect(seen.value).toMatchObject({ presence: 'online', status_msg: 'from remote' });
    since = seen.since;

    const status = (userId: string) => client<{ presence: string; status_msg?: string }>(urlOf('client-reader-1'), alice.token, 'GET', `/presence/${encodeURIComponent(userId)}/status`);
    expect(await status(rita)).toMatchObject({ presence: 'online', status_msg: 'from remote' });
    expect((await status(alice.userId)).status_msg).not.toBe('spoofed');
    const rows = await sql<{ user_id: string }>('SELECT user_id FROM presence WHERE user_id = ANY($1)', [[mallory, rita]]);
    expect(rows.map((r) => r.user_id)).toEqual([rita]);
  });

  it('with the typing writer gone, m.typing is dropped and the transaction still succeeds', async () => {
    await suite.running.get('client-reader-1')!.stop();
    suite.running.delete('client-reader-1');
    const typing = { edu_type: 'm.typing', content: { room_id: roomId, user_id: rita, typing: false } };
    expect(await sendEdus([typing, typing])).toEqual({ status: 200, body: { pdus: {} } });
    expect(await sendEdus([typing])).toEqual({ status: 200, body: { pdus: {} } });
  });
});
