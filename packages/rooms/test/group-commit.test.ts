import { AsyncLocalStorage } from 'node:async_hooks';
import { createLogger, generateSigningKey, type HomeserverConfig } from '@lattice/core';
import { InProcessTransport, createReplicationHub, type ReplicationHub } from '@lattice/replication';
import { createRooms, type Rooms } from '@lattice/rooms';
import { createTestDatabase, type Database } from '@lattice/storage';
import { GroupCommit } from '../src/group-commit.js';
import { SERVER, alice, bob, count, publicRoom, type Harness } from './harness.js';

/** A promise with its resolve function outside. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('GroupCommit', () => {
  function committer(opts: { maxInFlight?: number; maxGroup?: number; fails?: (item: string) => boolean } = {}) {
    const groups: string[][] = [];
    const gates: Array<{ resolve: () => void }> = [];
    let gated = false;
    const gc = new GroupCommit<string, string>({
      maxInFlight: opts.maxInFlight ?? 1,
      maxGroup: opts.maxGroup ?? 100,
      write: async (items) => {
        groups.push([...items]);
        if (gated) {
          const gate = deferred();
          gates.push(gate);
          await gate.promise;
        }
        if (items.some((i) => opts.fails?.(i))) throw new Error(`group ${items.join(',')} refused`);
        return items.map((i) => i.toUpperCase());
      },
    });
    return { gc, groups, gates, gate: (on: boolean) => (gated = on) };
  }

  test('a lone write goes out at once, alone', async () => {
    const { gc, groups } = committer();
    expect(await gc.submit('a')).toBe('A');
    expect(groups).toEqual([['a']]);
  });

  test('writes submitted while a group is in flight go out together in the next group', async () => {
    const { gc, groups, gates, gate } = committer();
    gate(true);
    const first = gc.submit('a');
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([['a']]);
    const rest = ['b', 'c', 'd'].map((i) => gc.submit(i));
    expect(gc.waiting).toBe(3);
    gate(false);
    gates[0]!.resolve();
    expect(await first).toBe('A');
    expect(await Promise.all(rest)).toEqual(['B', 'C', 'D']);
    expect(groups).toEqual([['a'], ['b', 'c', 'd']]);
  });

  test('groups are bounded in size and in number in flight', async () => {
    const { gc, groups } = committer({ maxInFlight: 2, maxGroup: 2 });
    const all = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((i) => gc.submit(i)));
    expect(all).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(groups.flat().sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(Math.max(...groups.map((g) => g.length))).toBeLessThanOrEqual(2);
  });

  test('a failing group is retried member by member: only the bad write fails', async () => {
    const { gc, groups } = committer({ fails: (i) => i === 'bad' });
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((i) => gc.submit(i)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(groups).toContainEqual(['bad']);
    expect(groups.filter((g) => g.includes('a'))).toHaveLength(2); // once in the group, once alone
  });

  test('groups run outside the submitter’s async context (never inside its transaction)', async () => {
    const scope = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    const gc = new GroupCommit<string, string>({
      maxInFlight: 1,
      maxGroup: 10,
      write: async (items) => {
        seen.push(scope.getStore());
        return [...items];
      },
    });
    await scope.run('submitter transaction', () => gc.submit('a'));
    expect(seen).toEqual([undefined]);
  });
});

describe.each(['postgres', 'pglite'] as const)('group commit in the persister (%s)', (kind) => {
  let db: Database;
  let hub: ReplicationHub;
  let rooms: Rooms;
  const statements: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const logger = createLogger({ level: 'fatal' });
    hub = await createReplicationHub({ db, transport: new InProcessTransport(), instanceName: 'grouped', logger });
    // Records the statements that write events.
    const counting: Database = {
      ...db,
      kind: db.kind,
      query: (sql, params) => {
        if (sql.includes('INSERT INTO events')) statements.push(sql);
        return db.query(sql, params);
      },
      transaction: (fn) => db.transaction(fn),
      close: () => db.close(),
    };
    rooms = createRooms({
      db: counting,
      config: { server_name: SERVER } as HomeserverConfig,
      signingKey: generateSigningKey('test'),
      instanceName: 'grouped',
      hub,
      logger,
    });
  });

  afterAll(async () => {
    rooms.close();
    await hub.close();
    await db.close();
  });

  const h = () => ({ persister: rooms.persister }) as Harness;
  const message = (roomId: string, body: string) => ({ room_id: roomId, type: 'm.room.message', sender: alice, content: { body } });

  test('concurrent messages to many rooms share statements; each room keeps one chain', async () => {
    const created = await Promise.all(Array.from({ length: 8 }, () => publicRoom(h())));
    statements.length = 0;
    const results = await Promise.all(
      created.flatMap(({ roomId }) => Array.from({ length: 5 }, (_, i) => rooms.persister.createEvent(message(roomId, `${i}`)))),
    );
    expect(statements.length).toBeLessThan(results.length);
    expect(new Set(results.map((r) => r.streamOrdering)).size).toBe(results.length);
    for (const { roomId } of created) {
      const mine = results.filter((r) => r.event.room_id === roomId).sort((a, b) => a.event.depth - b.event.depth);
      for (let i = 1; i < mine.length; i++) {
        expect(mine[i]!.event.prev_events).toEqual([mine[i - 1]!.event.event_id]);
        expect(mine[i]!.streamOrdering).toBeGreaterThan(mine[i - 1]!.streamOrdering);
      }
      expect(await count(db, 'event_forward_extremities WHERE room_id = $1', [roomId])).toBe(1);
    }
    // Every send answered with a committed row at the position it reported, and the stream covers them all.
    const { rows } = await db.query<{ event_id: string; stream_ordering: number }>(
      'SELECT event_id, stream_ordering FROM events WHERE event_id = ANY($1)',
      [results.map((r) => r.event.event_id)],
    );
    const stored = new Map(rows.map((r) => [r.event_id, r.stream_ordering]));
    for (const r of results) expect(stored.get(r.event.event_id)).toBe(r.streamOrdering);
    expect(await hub.waitForPositions({ events: Math.max(...results.map((r) => r.streamOrdering)) }, 1)).toBe(true);
  });

  test('a retried transaction in a group fails alone and is answered with its first event', async () => {
    const created = await Promise.all(Array.from({ length: 4 }, () => publicRoom(h())));
    const txn = { userId: alice, deviceId: 'GROUPED', txnId: 'g1' };
    const first = await rooms.persister.createEvent(message(created[0]!.roomId, 'first'), { txn });
    const events = await count(db, 'events');
    const [retry, ...others] = await Promise.all([
      rooms.persister.createEvent(message(created[0]!.roomId, 'retry'), { txn }),
      ...created.slice(1).map(({ roomId }) => rooms.persister.createEvent(message(roomId, 'fresh'))),
    ]);
    expect(retry).toMatchObject({ deduplicated: true, streamOrdering: first.streamOrdering });
    expect(retry!.event.event_id).toBe(first.event.event_id);
    expect(others.every((o) => !o.deduplicated)).toBe(true);
    expect(await count(db, 'events')).toBe(events + others.length);
    // The room whose write failed reloads its writer state and carries on.
    const next = await rooms.persister.createEvent(message(created[0]!.roomId, 'next'));
    expect(next.event.prev_events).toEqual([first.event.event_id]);
  });

  test('a refused message in a busy moment changes nothing for the others', async () => {
    const created = await Promise.all(Array.from({ length: 3 }, () => publicRoom(h())));
    const results = await Promise.allSettled([
      rooms.persister.createEvent({ ...message(created[0]!.roomId, 'not joined'), sender: bob }),
      ...created.map(({ roomId }) => rooms.persister.createEvent(message(roomId, 'ok'))),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
  });
});
