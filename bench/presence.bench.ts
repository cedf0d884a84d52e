/**
 * Presence fan-out with 1,000 users in shared rooms (issue 8), on PGlite and
 * PostgreSQL: every user is in one 1,000-member room and in one of ten
 * 100-member rooms. Figures:
 *  - updates/s: presence changes written and fanned out (PUT /presence's work),
 *    sequentially and 50 at a time;
 *  - coalesced syncs/s: /sync start+end of users already online and active
 *    (the common case: nothing is written);
 *  - sync cost: the presence section of one observer's /sync: initial (1,000
 *    co-members online), incremental after all 1,000 changed, after one changed,
 *    and with nothing new;
 *  - fan-out: one change waking the long-polls of all 1,000 co-members, each of
 *    which then reads its presence section.
 */
import { compileFilter, generateSigningKey, parseConfig } from '@lattice/core';
import { createRoomServices, type ClientApiContext } from '@lattice/client-api';
import { PresenceService, PresenceSyncExtension } from '@lattice/presence';
import { createTestDatabase } from '@lattice/storage';
import type { SyncToken } from '@lattice/replication';
import { pino } from 'pino';
import { measureLatency } from './lib/measure.js';
import { createPublicRoom } from './lib/public-room.js';

const SERVER = 'bench.local';
const USERS = 1_000;
const SMALL_ROOMS = 10;
const userIds = Array.from({ length: USERS }, (_, i) => `@user${i}:${SERVER}`);

async function join(ctx: ClientApiContext, roomId: string, userId: string): Promise<void> {
  await ctx.rooms.persister.createEvent({ room_id: roomId, type: 'm.room.member', state_key: userId, sender: userId, content: { membership: 'join' } });
}

function rate(name: string, count: number, ms: number): void {
  console.log(`${name.padEnd(56)} ${Math.round((count * 1000) / ms).toLocaleString('en-US').padStart(10)} /s  (${count} in ${ms.toFixed(0)} ms)`);
}

async function benchOn(kind: 'pglite' | 'postgres'): Promise<void> {
  const db = await createTestDatabase(kind);
  const logger = pino({ level: 'silent' });
  const config = parseConfig(`server_name: ${SERVER}\n`, { env: {} });
  const rooms = await createRoomServices({ db, config, signingKey: generateSigningKey('bench'), instanceName: 'bench', logger });
  const ctx: ClientApiContext = { config, db, logger, rooms };

  const setupStart = Date.now();
  const lobby = await createPublicRoom(rooms.persister, userIds[0]!);
  const small: string[] = [];
  for (let r = 0; r < SMALL_ROOMS; r++) small.push(await createPublicRoom(rooms.persister, userIds[r * (USERS / SMALL_ROOMS)]!));
  await Promise.all(
    userIds.map(async (userId, i) => {
      if (i !== 0) await join(ctx, lobby, userId);
      const room = small[Math.floor(i / (USERS / SMALL_ROOMS))]!;
      if (i % (USERS / SMALL_ROOMS) !== 0) await join(ctx, room, userId);
    }),
  );
  console.log(`[${kind}] set-up: ${USERS} users in 1 room of ${USERS} and ${SMALL_ROOMS} of ${USERS / SMALL_ROOMS}: ${Date.now() - setupStart} ms`);

  const presence = new PresenceService(ctx, { enabled: true });
  await presence.start();
  const extension = new PresenceSyncExtension(db, presence, logger);
  const roomsOf = new Map<string, Set<string>>();
  for (const userId of userIds) roomsOf.set(userId, new Set((await rooms.store.roomsForUser(userId, ['join'])).map((m) => m.roomId)));
  const filter = compileFilter();
  /** The presence section of `userId`'s /sync from `since` to now. */
  const section = (userId: string, since: SyncToken | undefined, ext = extension) =>
    ext.contribute({ userId, deviceId: 'BENCH', since, to: rooms.hub.currentToken(), filter, fullState: false, joinedRoomIds: roomsOf.get(userId)! });
  const observer = userIds[1]!;
  const contribute = (since: SyncToken | undefined) => section(observer, since);
  const eventsOf = async (since: SyncToken | undefined) =>
    ((await contribute(since)).sections.presence as { events: unknown[] }).events.length;

  // Updates: every user comes online (each write fans out to the user's 2 rooms).
  const beforeAll = rooms.hub.currentToken();
  let t = performance.now();
  for (const userId of userIds) await presence.set(userId, 'online', 'hello');
  rate(`[${kind}] presence updates, sequential`, USERS, performance.now() - t);
  t = performance.now();
  for (let i = 0; i < USERS; i += 50) {
    await Promise.all(userIds.slice(i, i + 50).map((userId, j) => presence.set(userId, 'unavailable', `busy ${i + j}`)));
  }
  rate(`[${kind}] presence updates, 50 concurrent`, USERS, performance.now() - t);

  // Coalesced syncs: users already online and active: no write, no fan-out.
  for (const userId of userIds) await (await presence.syncStarted(userId, 'BENCH', 'online'))();
  const written = rooms.hub.currentToken().get('presence').min;
  t = performance.now();
  const ROUNDS = 10;
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(userIds.map(async (userId) => (await presence.syncStarted(userId, 'BENCH', 'online'))()));
  }
  rate(`[${kind}] coalesced /sync presence starts (no writes)`, USERS * ROUNDS, performance.now() - t);
  if (rooms.hub.currentToken().get('presence').min !== written) throw new Error('coalesced syncs wrote presence');

  // Sync cost for one observer sharing rooms with all 1,000.
  if ((await eventsOf(undefined)) !== USERS) throw new Error('initial sync should see every co-member');
  await measureLatency(`[${kind}] presence section, initial sync (${USERS} online)`, async () => void (await contribute(undefined)), 50);
  if ((await eventsOf(beforeAll)) !== USERS) throw new Error('incremental sync should see every change');
  // A fresh extension each time: the window is read from the database, not from the shared cache.
  const cold = (since: SyncToken) => () => section(observer, since, new PresenceSyncExtension(db, presence, logger));
  await measureLatency(`[${kind}] presence section, incremental, ${USERS} changed`, async () => void (await cold(beforeAll)()), 20);
  const beforeOne = rooms.hub.currentToken();
  await presence.set(userIds[500]!, 'online', 'one change');
  if ((await eventsOf(beforeOne)) !== 1) throw new Error('incremental sync should see the one change');
  await measureLatency(`[${kind}] presence section, incremental, 1 changed`, async () => void (await cold(beforeOne)()), 200);
  const now = rooms.hub.currentToken();
  await measureLatency(`[${kind}] presence section, incremental, nothing new`, async () => void (await contribute(now)), 200);

  // Fan-out of one change: all 1,000 users long-poll; one user's presence changes; every woken
  // sync reads its presence section (the work a change costs the server, end to end).
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const since = rooms.hub.currentToken();
    const start = performance.now();
    const woken = userIds.map(async (userId) => {
      const outcome = await rooms.hub.notifier.wait({ userId, roomIds: roomsOf.get(userId)!, since, timeoutMs: 60_000 });
      if (outcome !== 'changed') throw new Error(`long-poll of ${userId} was not woken`);
      const got = await section(userId, since);
      if (!got.hasUpdates) throw new Error(`${userId} was woken for nothing`);
    });
    await presence.set(userIds[7]!, round % 2 === 0 ? 'online' : 'unavailable', `fan-out ${round}`);
    await Promise.all(woken);
    rounds.push(performance.now() - start);
  }
  rounds.sort((a, b) => a - b);
  console.log(
    `[${kind}] one change fanned out to ${USERS} long-polls`.padEnd(56),
    `median ${rounds[2]!.toFixed(1)} ms (${((rounds[2]! * 1000) / USERS).toFixed(0)} µs per woken sync)`,
  );

  presence.stop();
  await rooms.close();
  await db.close();
}

for (const kind of ['pglite', 'postgres'] as const) await benchOn(kind);
