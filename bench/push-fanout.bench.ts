/**
 * Push notifications in a room of 10,000 local members (issue 8 target: ≥ 200
 * events/s): every new event is evaluated against every member's push rules and
 * the outcome stored (event_push_outcomes + per-member exceptions). Figures:
 *  - evaluate + store: NotificationFanout.process on one event at a time;
 *  - sends with push: sequential messages through the persister with the push
 *    module's hook (evaluation, storing, and the pusher lookup queued after);
 *  - the same sends with the push module absent, for comparison.
 * Every member has the default rules, 1 in 50 has a rule of their own, and 1 in 10
 * is mentioned now and then (exceptions to the shared outcome). Both drivers.
 */
import { createRoomServices, type ClientApiContext } from '@lattice/client-api';
import { generateSigningKey, parseConfig } from '@lattice/core';
import { createPushModule, type PushJob, type PushQueue } from '@lattice/push';
import type { SendResult } from '@lattice/rooms';
import { createTestDatabase, type Database } from '@lattice/storage';
import { pino } from 'pino';
import { createPublicRoom } from './lib/public-room.js';

const SERVER = 'bench.local';
const MEMBERS = 10_000;
const EVENTS = 200;
const user = (i: number) => `@user${i}:${SERVER}`;

/** Counts the pushes instead of sending them (no member has a pusher, so it stays 0). */
class CountingQueue implements PushQueue {
  jobs = 0;
  async add(jobs: readonly PushJob[]): Promise<void> {
    this.jobs += jobs.length;
  }
  process(): void {}
  async close(): Promise<void> {}
}

async function setUp(kind: Database['kind']) {
  const db = await createTestDatabase(kind);
  const logger = pino({ level: 'silent' });
  const config = parseConfig(`server_name: ${SERVER}\n`, { env: {} });
  const rooms = await createRoomServices({ db, config, signingKey: generateSigningKey('bench'), instanceName: 'bench', logger });
  const ctx: ClientApiContext = { config, db, logger, rooms };
  const creator = user(0);
  const t0 = Date.now();
  const joins = Array.from({ length: MEMBERS - 1 }, (_, i) => ({
    type: 'm.room.member',
    state_key: user(i + 1),
    sender: user(i + 1),
    content: { membership: 'join', displayname: `User ${i + 1}` },
  }));
  const roomId = await createPublicRoom(rooms.persister, creator, joins);
  // Some members have rules of their own (different compiled rule sets).
  for (let i = 1; i < MEMBERS; i += 50) {
    await db.query(
      `INSERT INTO push_rules (user_id, kind, rule_id, priority, body, actions) VALUES ($1, 'content', 'deploy', 1, '{"pattern":"deploy*"}', '["notify"]')`,
      [user(i)],
    );
  }
  console.log(`[${kind}] room of ${MEMBERS} local members ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { db, ctx, rooms, roomId, close: async () => (await rooms.close(), await db.close()) };
}

let counter = 0;
function message(roomId: string): { room_id: string; type: string; sender: string; content: Record<string, unknown> } {
  const n = counter++;
  const content: Record<string, unknown> = { msgtype: 'm.text', body: `status update ${n}: the deployment went fine` };
  if (n % 10 === 0) content['m.mentions'] = { user_ids: [user((n * 7) % MEMBERS), user((n * 13) % MEMBERS)] };
  return { room_id: roomId, type: 'm.room.message', sender: user(1 + (n % 5)), content };
}

function rate(label: string, count: number, ms: number): void {
  console.log(`${label.padEnd(56)} ${Math.round((count * 1000) / ms).toLocaleString('en-US').padStart(8)} events/s  (${(ms / count).toFixed(2)} ms/event)`);
}

async function run(kind: Database['kind']): Promise<void> {
  const { db, ctx, rooms, roomId, close } = await setUp(kind);
  const send = () => rooms.persister.createEvent(message(roomId));

  // Baseline: sends with nobody evaluating.
  let t = performance.now();
  const baseline: SendResult[] = [];
  for (let i = 0; i < EVENTS; i++) baseline.push(await send());
  rate(`[${kind}] sends, push module absent`, EVENTS, performance.now() - t);

  const queue = new CountingQueue();
  const push = createPushModule(ctx, { queue, sendPushes: false });
  const fanout = push.fanout!;
  t = performance.now();
  await fanout.process([baseline[0]!]); // first event: loads 10,000 members' rules
  console.log(`[${kind}] first event (loads and compiles every member's rules)`.padEnd(56), `${(performance.now() - t).toFixed(0)} ms`);

  t = performance.now();
  for (let i = 1; i < baseline.length; i++) await fanout.process([baseline[i]!]);
  rate(`[${kind}] evaluate + store (NotificationFanout.process)`, baseline.length - 1, performance.now() - t);

  t = performance.now();
  for (let i = 0; i < EVENTS; i++) await send();
  rate(`[${kind}] sends with push (evaluate, store, pusher lookup)`, EVENTS, performance.now() - t);

  const { rows } = await db.query<{ outcomes: number; exceptions: number }>(
    'SELECT (SELECT count(*) FROM event_push_outcomes) AS outcomes, (SELECT count(*) FROM event_push_exceptions) AS exceptions',
  );
  console.log(`[${kind}] stored: ${rows[0]!.outcomes} outcomes, ${rows[0]!.exceptions} exception rows (vs ${(2 * EVENTS - 1) * (MEMBERS - 1)} per-member rows)`);
  await push.close();
  await close();
}

for (const kind of ['pglite', 'postgres'] as const) await run(kind);
