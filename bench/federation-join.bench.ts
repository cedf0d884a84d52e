/**
 * Joining a large remote room: what the joining server does with a send_join
 * answer for a synthetic room of 30,000 members (each joined, then renamed,
 * so the state holds 30,000 member events and the auth chain another 30,000):
 * every PDU checked (format, signature, content hash), the state and auth
 * chain stored as outliers (each checked against its auth events), the join
 * persisted with the state before it. Timed from the answer's bytes, as the
 * federation client receives them: parsed (parseJsonSliced, what the client
 * uses), checked, stored. Prints the time, the worst event-loop stall
 * (perf_hooks monitorEventLoopDelay) and the peak RSS; the room as built here
 * is dropped before, so the heap holds what a joining server's would. Then
 * remote messages into the joined room, 50 at a time: events/s and the worst
 * stall; and one more transaction after a restart, which loads the room's state.
 *
 * Databases: PostgreSQL; PGlite on a data directory, as the single-process
 * default runs it; `pglite-memory` (by name only): PGlite on its in-memory file
 * system, which copies a whole file each time one grows (long stalls, more
 * memory) and so says little about a deployment.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createRoomServices } from '@lattice/client-api';
import {
  generateSigningKey,
  getRoomVersion,
  hashAndSignEvent,
  parseConfig,
  parseJsonSliced,
  toRoomEvent,
  type PDU,
  type RoomEvent,
  type SigningKey,
} from '@lattice/core';
import { checkJoinAnswer, remoteEventsOf } from '@lattice/federation';
import { createTestDatabase, migrate, openPglite, type Database } from '@lattice/storage';
import { pino } from 'pino';
import { signedEvent, staticKeyRing, wire } from './lib/federation-fixtures.js';

const MEMBERS = Number(process.env['MEMBERS'] ?? 30_000);
/** 50-message transactions accepted into the room once joined. */
const CHAT_TXNS = 20;
const v10 = getRoomVersion('10')!;
const REMOTE = 'big.bench';

function signer(server: string, key: SigningKey) {
  let ts = 1_700_000_000_000;
  return (fields: Record<string, unknown>, prev: RoomEvent | undefined, auth: RoomEvent[]): RoomEvent =>
    signedEvent(v10, fields, prev ? [prev] : [], auth, server, key, ++ts);
}

/**
 * The remote room, built and signed by its server, and the send_join answer's bytes; only
 * what the messages phase needs is kept past it.
 */
function remoteRoom(sign: ReturnType<typeof signer>, localKey: SigningKey) {
  const owner = `@owner:${REMOTE}`;
  const roomId = `!big:${REMOTE}`;
  const create = sign({ room_id: roomId, type: 'm.room.create', state_key: '', sender: owner, content: { creator: owner, room_version: '10' } }, undefined, []);
  const ownerJoin = sign({ room_id: roomId, type: 'm.room.member', state_key: owner, sender: owner, content: { membership: 'join' } }, create, [create]);
  const pl = sign({ room_id: roomId, type: 'm.room.power_levels', state_key: '', sender: owner, content: { users: { [owner]: 100 } } }, ownerJoin, [create, ownerJoin]);
  const rules = sign({ room_id: roomId, type: 'm.room.join_rules', state_key: '', sender: owner, content: { join_rule: 'public' } }, pl, [create, ownerJoin, pl]);
  const state: RoomEvent[] = [create, ownerJoin, pl, rules];
  const authChain: RoomEvent[] = [create, ownerJoin, pl, rules];
  let prev = rules;
  for (let i = 0; i < MEMBERS; i++) {
    const user = `@u${i}:${REMOTE}`;
    const join = sign({ room_id: roomId, type: 'm.room.member', state_key: user, sender: user, content: { membership: 'join' } }, prev, [create, pl, rules]);
    const rename = sign({ room_id: roomId, type: 'm.room.member', state_key: user, sender: user, content: { membership: 'join', displayname: `User ${i}` } }, join, [create, pl, join]);
    authChain.push(join);
    state.push(rename);
    prev = rename;
  }
  // Our user's join, completed from the make_join template and signed here.
  const me = '@me:bench.local';
  const myJoin = toRoomEvent(
    hashAndSignEvent(
      { room_id: roomId, type: 'm.room.member', state_key: me, sender: me, content: { membership: 'join' }, origin_server_ts: Date.now(), depth: prev.depth + 1, prev_events: [prev.event_id], auth_events: [create.event_id, pl.event_id, rules.event_id], hashes: { sha256: '' }, signatures: {} } as PDU,
      'bench.local',
      localKey,
      v10,
    ),
    v10,
  );
  const body = Buffer.from(JSON.stringify({ state: state.map(wire), auth_chain: authChain.map(wire) }));
  return { body, create, pl, sender: state[state.length - 1]!, myJoin };
}

type Kind = 'pglite' | 'pglite-memory' | 'postgres';

async function openBenchDatabase(kind: Kind): Promise<{ db: Database; remove: () => Promise<void> }> {
  if (kind !== 'pglite') return { db: await createTestDatabase(kind === 'postgres' ? 'postgres' : 'pglite'), remove: async () => undefined };
  const dir = await mkdtemp(join(tmpdir(), 'lattice-join-bench-'));
  const db = await openPglite({ dataDir: dir });
  await migrate(db);
  return { db, remove: () => rm(dir, { recursive: true, force: true }) };
}

async function benchOn(kind: Kind): Promise<void> {
  const { db, remove } = await openBenchDatabase(kind);
  const config = parseConfig('server_name: bench.local\n', { env: {} });
  const logger = pino({ level: 'silent' });
  const localKey = generateSigningKey('l');
  const rooms = await createRoomServices({ db, config, signingKey: localKey, instanceName: 'master', logger });
  const remoteKey = generateSigningKey('r');
  const keys = new Map([[REMOTE, remoteKey], ['bench.local', localKey]]);
  const keyRing = staticKeyRing(keys);

  const sign = signer(REMOTE, remoteKey);
  const { body, create, pl, sender, myJoin } = remoteRoom(sign, localKey);
  const roomId = myJoin.room_id;

  const stalls = monitorEventLoopDelay({ resolution: 5 });
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  stalls.enable();
  const t0 = process.hrtime.bigint();
  const answer = (await parseJsonSliced(body)) as Record<string, unknown>;
  const { state: checkedState, authChain: checkedChain } = await checkJoinAnswer(answer, v10, keyRing, roomId);
  const ctx = { config, db, logger, rooms };
  await remoteEventsOf(ctx).joinRoom({ version: v10, join: myJoin, state: checkedState, authChain: checkedChain });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  // The monitor records a stall when its timer next fires: let it fire once more, or a stall
  // lasting to the end (statements that never gave the event loop a turn) goes unseen.
  await new Promise((resolve) => setTimeout(resolve, 20));
  stalls.disable();
  clearInterval(rssTimer);

  const members = await rooms.store.joinedMembers(roomId);
  if (members.size !== MEMBERS + 2) throw new Error(`expected ${MEMBERS + 2} joined members, found ${members.size}`);
  console.log(
    `join ${checkedState.length.toLocaleString('en-US')}-state room, ${checkedChain.length.toLocaleString('en-US')} auth chain (${kind})`.padEnd(56),
    `${secs.toFixed(1)} s, worst stall ${(stalls.max / 1e6).toFixed(0)} ms, peak RSS ${Math.round(peakRss / 2 ** 20)} MiB`,
  );

  // Then the room's chat: remote messages accepted 50 at a time (one inbound transaction's worth),
  // each authorised against the large state before it and the current state.
  let tip: RoomEvent = myJoin;
  const txns: RoomEvent[][] = [];
  for (let t = 0; t <= CHAT_TXNS; t++) {
    const txn: RoomEvent[] = [];
    for (let i = 0; i < 50; i++) {
      tip = sign({ room_id: roomId, type: 'm.room.message', sender: sender.state_key, content: { msgtype: 'm.text', body: `hello ${t}.${i}` } }, tip, [create, pl, sender]);
      txn.push(tip);
    }
    txns.push(txn);
  }
  const chatStalls = monitorEventLoopDelay({ resolution: 5 });
  chatStalls.enable();
  const c0 = process.hrtime.bigint();
  const accept = async (into: typeof ctx, txn: RoomEvent[]) => {
    const results = await remoteEventsOf(into).acceptEvents(roomId, txn.map((event) => ({ event })));
    const bad = results.find((r) => r.outcome !== 'accepted');
    if (bad !== undefined) throw new Error(`message not accepted: ${JSON.stringify(bad)}`);
  };
  const afterRestart = txns.pop()!;
  for (const txn of txns) await accept(ctx, txn);
  const chatSecs = Number(process.hrtime.bigint() - c0) / 1e9;
  await new Promise((resolve) => setTimeout(resolve, 20));
  chatStalls.disable();
  console.log(
    `  then messages into it, 50 per transaction (${kind})`.padEnd(56),
    `${Math.round((CHAT_TXNS * 50) / chatSecs).toLocaleString('en-US')} events/s, worst stall ${(chatStalls.max / 1e6).toFixed(0)} ms`,
  );
  await rooms.close();

  // A restarted persister loads the room's state (30,000 events) when the next transaction comes.
  const restarted = await createRoomServices({ db, config, signingKey: localKey, instanceName: 'master', logger });
  const restartStalls = monitorEventLoopDelay({ resolution: 5 });
  restartStalls.enable();
  const r0 = process.hrtime.bigint();
  await accept({ ...ctx, rooms: restarted }, afterRestart);
  const restartMs = Number(process.hrtime.bigint() - r0) / 1e6;
  await new Promise((resolve) => setTimeout(resolve, 20));
  restartStalls.disable();
  console.log(
    `  after a restart, the next transaction (${kind})`.padEnd(56),
    `${restartMs.toFixed(0)} ms (loads the state), worst stall ${(restartStalls.max / 1e6).toFixed(0)} ms`,
  );
  await restarted.close();
  await db.close();
  await remove();
}

// One driver per process: the peak RSS of a run must not include what an earlier run left behind.
const only = process.argv[2] as Kind | undefined;
if (only !== undefined) await benchOn(only);
else for (const kind of ['pglite', 'postgres']) spawnSync(process.execPath, [fileURLToPath(import.meta.url), kind], { stdio: 'inherit' });
