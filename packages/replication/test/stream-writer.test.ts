import { createTestDatabase, streamWriterPositions, type Database, type ScriptRunner } from '@lattice/storage';
import {
  InProcessTransport,
  StreamPositions,
  StreamWriter,
  claimWriterPosition,
  type StreamUpdate,
} from '@lattice/replication';
import { deferred, memoryLogger } from './helpers.js';

const KINDS = ['pglite', 'postgres'] as const;

async function storedPosition(db: Database, instance = 'w1'): Promise<number | undefined> {
  return (await streamWriterPositions(db, 'events')).get(instance);
}

describe.each(KINDS)('StreamWriter on %s', (kind) => {
  let db: Database;
  let transport: InProcessTransport;
  let updates: StreamUpdate[];
  let reader: StreamPositions;

  let instance: string;
  let testNumber = 0;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await db.query('CREATE TABLE test_rows (position BIGINT PRIMARY KEY)');
  });

  afterAll(async () => {
    await db.close();
  });

  // One database for the file (fresh ones are slow to make): every test writes as its own instance.
  beforeEach(() => {
    instance = `w${++testNumber}`;
    transport = new InProcessTransport();
    updates = [];
    reader = new StreamPositions();
    transport.subscribe((u) => {
      updates.push(u);
      reader.apply(u);
    });
  });

  async function newWriter(flushDelayMs = 5, multiWriter = false): Promise<StreamWriter<string>> {
    return new StreamWriter<string>({
      db,
      stream: 'events',
      instance,
      transport,
      logger: memoryLogger().logger,
      initialPosition: await claimWriterPosition(db, 'events'),
      storedPosition: (await storedPosition(db, instance)) ?? 0,
      flushDelayMs,
      multiWriter,
    });
  }

  /** Allocates a position in its own committed transaction (PGlite cannot hold two open at once). */
  async function allocateCommitted(writer: StreamWriter<string>): Promise<number> {
    return db.transaction(async (tx) => {
      const position = await writer.allocate(tx);
      await tx.query('INSERT INTO test_rows VALUES ($1)', [position]);
      return position;
    });
  }

  test('announces its start-up claim and stores it', async () => {
    const writer = await newWriter();
    expect(updates).toEqual([{ stream: 'events', instance, position: writer.persistedUpTo, rows: [] }]);
    await writer.flush();
    expect(await storedPosition(db, instance)).toBe(writer.persistedUpTo);
  });

  test('7 committed before 6: the safe position stays below 6 until 6 commits', async () => {
    const writer = await newWriter();
    const base = writer.persistedUpTo;
    const six = await allocateCommitted(writer);
    const seven = await allocateCommitted(writer);
    expect([six, seven]).toEqual([base + 1, base + 2]);

    writer.publish(seven, ['row7']);
    expect(writer.persistedUpTo).toBe(base);
    expect(reader.current('events')).toBe(base);
    expect(updates.at(-1)).toEqual({ stream: 'events', instance, position: base, rows: ['row7'], rowsPosition: seven });

    writer.publish(six, ['row6']);
    expect(writer.persistedUpTo).toBe(seven);
    expect(reader.current('events')).toBe(seven);
    expect(updates.at(-1)).toMatchObject({ position: seven, rows: ['row6'] });
    await writer.flush();
    expect(await storedPosition(db, instance)).toBe(seven);
  });

  test('an aborted 6 lets the position move past it, with a position-only update', async () => {
    const writer = await newWriter();
    const base = writer.persistedUpTo;
    const six = await allocateCommitted(writer);
    const seven = await allocateCommitted(writer);
    writer.publish(seven, ['row7']);
    expect(reader.current('events')).toBe(base);
    writer.aborted(six);
    expect(reader.current('events')).toBe(seven);
    expect(updates.at(-1)).toEqual({ stream: 'events', instance, position: seven, rows: [] });
  });

  test('reporting a position twice is a programming error', async () => {
    const writer = await newWriter();
    const position = await allocateCommitted(writer);
    writer.committed(position);
    expect(() => writer.committed(position)).toThrow(/not in flight/);
  });

  test('write() commits, publishes the rows at the writer position and returns the row position', async () => {
    const writer = await newWriter();
    const position = await writer.write(db, async (tx, p) => {
      await tx.query('INSERT INTO test_rows VALUES ($1)', [p]);
      return [`row${p}`];
    });
    expect(updates.at(-1)).toEqual({ stream: 'events', instance, position, rows: [`row${position}`] });
    expect((await db.query('SELECT position FROM test_rows WHERE position = $1', [position])).rowCount).toBe(1);
  });

  test('write() that throws rolls back, reports the position aborted and rethrows', async () => {
    const writer = await newWriter();
    let position = 0;
    await expect(
      writer.write(db, async (tx, p) => {
        position = p;
        await tx.query('INSERT INTO test_rows VALUES ($1)', [p]);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(writer.inFlightCount).toBe(0);
    expect(writer.persistedUpTo).toBe(position);
    expect((await db.query('SELECT position FROM test_rows WHERE position = $1', [position])).rowCount).toBe(0);
  });

  test('allocate(tx, n) allocates n ascending positions; publish(positions, rows) settles them all', async () => {
    const writer = await newWriter();
    const base = writer.persistedUpTo;
    const positions = await db.transaction((tx) => writer.allocate(tx, 3));
    expect(positions).toEqual([base + 1, base + 2, base + 3]);
    writer.publish(positions, ['a', 'b', 'c']);
    expect(reader.current('events')).toBe(base + 3);
  });

  test('an allocation still waiting for nextval holds the position at what was known when it started', async () => {
    const writer = await newWriter();
    const base = writer.persistedUpTo;
    const answer = deferred();
    const nextvalRan = deferred();
    const slow = db.transaction(async (tx) => {
      const delayed: ScriptRunner = {
        ...tx,
        query: (async (sql: string, params?: readonly unknown[]) => {
          const result = await tx.query(sql, params);
          nextvalRan.resolve();
          await answer.promise; // nextval has run; its answer is "in transit"
          return result;
        }) as ScriptRunner['query'],
      };
      return writer.allocate(delayed);
    });
    await nextvalRan.promise;
    // Another writer of the stream announces a higher position meanwhile.
    writer.observe(base + 50);
    expect(writer.persistedUpTo).toBe(base);
    answer.resolve();
    const position = await slow;
    expect(position).toBe(base + 1);
    expect(writer.persistedUpTo).toBe(base);
    writer.committed(position);
    expect(writer.persistedUpTo).toBe(base + 50);
  });

  test('an idle writer follows positions observed from other writers', async () => {
    const writer = await newWriter();
    const base = writer.persistedUpTo;
    writer.observe(base + 10);
    expect(reader.current('events')).toBe(base + 10);
    writer.observe(base + 5); // never backwards
    expect(writer.persistedUpTo).toBe(base + 10);
  });

  test('a writer of a shared stream claims the run of positions handed out to it', async () => {
    const writer = await newWriter(5, true);
    const base = writer.persistedUpTo;
    const positions = await db.transaction((tx) => writer.allocate(tx, 2));
    expect(positions).toEqual([base + 1, base + 2]);
    writer.publish(positions, ['a', 'b']);
    expect(updates.at(-1)).toMatchObject({ position: base + 2, ownedFrom: base + 1 });
    // Its next position continues the run.
    const third = await allocateCommitted(writer);
    writer.publish(third, ['c']);
    expect(updates.at(-1)).toMatchObject({ position: third, ownedFrom: base + 1 });
    // A position observed from another writer is not its own: no claim.
    writer.observe(third + 5);
    expect(updates.at(-1)).toEqual({ stream: 'events', instance, position: third + 5, rows: [] });
    // Nor is a stream with one writer worth a claim.
    const alone = await newWriter();
    await alone.write(db, async () => ['d']);
    expect(updates.at(-1)).not.toHaveProperty('ownedFrom');
  });

  test("an idle writer leaves a move across another writer's owned run to the readers, and announces it later", async () => {
    const writer = await newWriter(5, true);
    const base = writer.persistedUpTo;
    const published = updates.length;
    const late = new Promise<StreamUpdate>((resolve) => transport.subscribe(resolve));
    // Another writer owns base + 1 .. base + 3 and this one published base: readers move it to base + 3 themselves.
    writer.observe(base + 3, base + 1);
    expect(writer.persistedUpTo).toBe(base + 3);
    expect(updates.length).toBe(published);
    // Announced all the same, later: for a reader that got the updates in another order.
    expect(await late).toEqual({ stream: 'events', instance, position: base + 3, rows: [] });
    await writer.flush();
    expect(await storedPosition(db, instance)).toBe(base + 3);
    // A run that starts beyond what this writer published tells readers nothing about the positions between: at once.
    writer.observe(base + 10, base + 6);
    expect(updates.at(-1)).toEqual({ stream: 'events', instance, position: base + 10, rows: [] });
  });

  test('position updates are stored coalesced, not once per row', async () => {
    const writer = await newWriter(30);
    await writer.flush();
    let stores = 0;
    const counting: Database = {
      ...db,
      query: (sql, params) => {
        if (sql.includes('INSERT INTO stream_positions')) stores++;
        return db.query(sql, params);
      },
      transaction: (fn) => db.transaction(fn),
    };
    const coalescing = new StreamWriter<string>({
      db: counting,
      stream: 'events',
      instance,
      transport,
      logger: memoryLogger().logger,
      initialPosition: writer.persistedUpTo,
      storedPosition: writer.persistedUpTo,
      flushDelayMs: 30,
    });
    for (let i = 0; i < 20; i++) await coalescing.write(db, async () => ['r']);
    await coalescing.close();
    expect(stores).toBeGreaterThanOrEqual(1);
    expect(stores).toBeLessThan(20);
    expect(await storedPosition(db, instance)).toBe(coalescing.persistedUpTo);
  });
});

describe('StreamWriter with concurrent transactions on postgres', () => {
  let db: Database;
  let transport: InProcessTransport;
  let reader: StreamPositions;

  beforeEach(async () => {
    db = await createTestDatabase('postgres');
    await db.query('CREATE TABLE test_rows (position BIGINT PRIMARY KEY)');
    transport = new InProcessTransport();
    reader = new StreamPositions();
    transport.subscribe((u) => reader.apply(u));
  });

  afterEach(async () => {
    await db.close();
  });

  async function newWriter(): Promise<StreamWriter<number>> {
    return new StreamWriter<number>({
      db,
      stream: 'events',
      instance: 'w1',
      transport,
      logger: memoryLogger().logger,
      initialPosition: await claimWriterPosition(db, 'events'),
      storedPosition: (await storedPosition(db)) ?? 0,
      flushDelayMs: 1,
    });
  }

  test('a crash with 6 open after 7 committed leaves the stored position below 6', async () => {
    const writer = await newWriter();
    const sixAllocated = deferred<number>();
    const crash = deferred();
    const six = writer.write(db, async (tx, p) => {
      await tx.query('INSERT INTO test_rows VALUES ($1)', [p]);
      sixAllocated.resolve(p);
      await crash.promise;
      throw new Error('process died'); // its connection dies: the transaction rolls back
    });
    const sixPosition = await sixAllocated.promise;
    const seven = await writer.write(db, async (tx, p) => {
      await tx.query('INSERT INTO test_rows VALUES ($1)', [p]);
      return [p];
    });
    expect(seven).toBe(sixPosition + 1);
    expect(reader.current('events')).toBe(sixPosition - 1);
    await writer.flush();
    // The process dies here: whatever is stored must not claim 6.
    const stored = (await storedPosition(db))!;
    expect(stored).toBeLessThan(sixPosition);
    crash.resolve();
    await expect(six).rejects.toThrow('process died');

    // Restart: a new writer of the same instance starts from a fresh claim above everything.
    const restarted = await newWriter();
    expect(restarted.persistedUpTo).toBeGreaterThan(seven);
    const { rows } = await db.query<{ position: number }>('SELECT position FROM test_rows ORDER BY 1');
    expect(rows.map((r) => r.position)).toEqual([seven]);
  });

  test('under random concurrent commits and aborts, the stored position never covers an unfinished transaction', async () => {
    const writer = await newWriter();
    const unfinished = new Set<number>();
    const violations: string[] = [];
    let running = true;
    const sampler = (async () => {
      while (running) {
        const stored = (await storedPosition(db)) ?? 0;
        const safe = reader.current('events');
        for (const p of unfinished) {
          if (p <= stored) violations.push(`stored ${stored} covers unfinished ${p}`);
          if (p <= safe) violations.push(`safe ${safe} covers unfinished ${p}`);
        }
      }
    })();
    const writes = Array.from({ length: 60 }, async (_, i) => {
      let position: number | undefined;
      // The transaction has ended (COMMIT or ROLLBACK) when this resolves, before write() reports it.
      const tracked: Database = {
        ...db,
        transaction: async (fn) => {
          try {
            return await db.transaction(fn);
          } finally {
            unfinished.delete(position!);
          }
        },
      };
      await writer
        .write(tracked, async (tx, p) => {
          position = p;
          unfinished.add(p);
          await tx.query('INSERT INTO test_rows VALUES ($1)', [p]);
          await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 8)));
          if (i % 5 === 0) throw new Error('abort');
          return [p];
        })
        .catch(() => undefined); // rolled back: the position is a gap
    });
    await Promise.all(writes);
    running = false;
    await sampler;
    expect(violations).toEqual([]);
    expect(writer.inFlightCount).toBe(0);
    expect(reader.current('events')).toBe(writer.highestKnown);
  });
});
