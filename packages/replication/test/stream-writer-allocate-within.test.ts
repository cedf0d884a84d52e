/**
 * StreamWriter.allocateWithin: positions taken by nextval inside the caller's
 * own statement (the INSERT that writes the rows) are tracked like allocate()'s.
 */
import { InProcessTransport, StreamPositions, StreamWriter, claimWriterPosition } from '@lattice/replication';
import { createTestDatabase, type Database } from '@lattice/storage';
import { deferred, memoryLogger } from './helpers.js';

describe.each(['pglite', 'postgres'] as const)('StreamWriter.allocateWithin on %s', (kind) => {
  let db: Database;
  let reader: StreamPositions;
  let transport: InProcessTransport;
  let testNumber = 0;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await db.query('CREATE TABLE within_rows (position BIGINT PRIMARY KEY, label TEXT NOT NULL)');
  });

  afterAll(async () => {
    await db.close();
  });

  async function newWriter(): Promise<StreamWriter<string>> {
    transport = new InProcessTransport();
    reader = new StreamPositions();
    transport.subscribe((u) => reader.apply(u));
    return new StreamWriter<string>({
      db,
      stream: 'events',
      instance: `within${++testNumber}`,
      transport,
      logger: memoryLogger().logger,
      initialPosition: await claimWriterPosition(db, 'events'),
      flushDelayMs: 5,
    });
  }

  /** One statement that takes its positions itself and commits as it answers. */
  async function insertRows(labels: string[]): Promise<number[]> {
    const { rows } = await db.query<{ position: number }>(
      `INSERT INTO within_rows (position, label)
       SELECT nextval('stream_events_seq'), l FROM unnest($1::text[]) WITH ORDINALITY AS t (l, ord) ORDER BY ord
       RETURNING position`,
      [labels],
    );
    return rows.map((r) => r.position).sort((a, b) => a - b);
  }

  test('positions a statement takes are in flight until published, then the reader moves to them', async () => {
    const writer = await newWriter();
    const base = writer.persistedUpTo;
    const positions = await writer.allocateWithin(() => insertRows(['a', 'b']), (p) => p);
    expect(positions).toEqual([base + 1, base + 2]);
    expect(writer.inFlightCount).toBe(2);
    expect(writer.persistedUpTo).toBe(base);
    writer.publish(positions, ['a', 'b']);
    expect(writer.inFlightCount).toBe(0);
    expect(reader.current('events')).toBe(base + 2);
  });

  test('while the statement runs, the position stays at what was known when it started', async () => {
    const writer = await newWriter();
    const base = writer.persistedUpTo;
    const answer = deferred();
    const ran = deferred();
    const running = writer.allocateWithin(
      async () => {
        const positions = await insertRows(['slow']);
        ran.resolve();
        await answer.promise; // committed, but the answer has not arrived yet
        return positions;
      },
      (p) => p,
    );
    await ran.promise;
    writer.observe(base + 50); // another writer of the stream moved on meanwhile
    expect(writer.persistedUpTo).toBe(base);
    answer.resolve();
    const [position] = await running;
    expect(position).toBe(base + 1);
    expect(writer.persistedUpTo).toBe(base);
    writer.publish([position!], ['slow']);
    expect(writer.persistedUpTo).toBe(base + 50);
  });

  test('a statement that fails leaves nothing in flight, and the stream is not held back', async () => {
    const writer = await newWriter();
    const base = writer.persistedUpTo;
    await expect(
      writer.allocateWithin(async () => {
        await db.query("INSERT INTO within_rows (position, label) VALUES (nextval('stream_events_seq'), NULL)");
        return [];
      }, (p: number[]) => p),
    ).rejects.toThrow();
    expect(writer.inFlightCount).toBe(0);
    writer.observe(base + 3);
    expect(reader.current('events')).toBe(base + 3);
  });
});
