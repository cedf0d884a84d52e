import {
  advanceWriterPosition,
  CORE_STREAMS,
  createTestDatabase,
  nextStreamPosition,
  nextStreamPositions,
  streamSafePosition,
  streamWriterPositions,
  type Database,
} from '@lattice/storage';

describe.each(['postgres', 'pglite'] as const)('stream positions on %s', (kind) => {
  let db: Database;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(() => db.close());

  test('every core stream has its own increasing sequence', async () => {
    for (const stream of CORE_STREAMS) {
      const a = await nextStreamPosition(db, stream);
      const b = await nextStreamPosition(db, stream);
      expect(b).toBeGreaterThan(a);
    }
    const events = await nextStreamPosition(db, 'events');
    const receipts = await nextStreamPosition(db, 'receipts');
    // Independent sequences: receipts did not advance the events stream.
    expect(await nextStreamPosition(db, 'events')).toBe(events + 1);
    expect(await nextStreamPosition(db, 'receipts')).toBe(receipts + 1);
  });

  test('a batch allocation returns ascending distinct positions', async () => {
    const positions = await nextStreamPositions(db, 'to_device', 5);
    expect(positions).toHaveLength(5);
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
    expect(new Set(positions).size).toBe(5);
  });

  test('positions of a rolled-back transaction are skipped, not reused', async () => {
    let lost = 0;
    await expect(
      db.transaction(async (tx) => {
        lost = await nextStreamPosition(tx, 'account_data');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await nextStreamPosition(db, 'account_data')).toBeGreaterThan(lost);
  });

  test('unknown or unsafe stream names are refused', async () => {
    await expect(nextStreamPosition(db, 'no_such_stream')).rejects.toThrow(/no_such_stream/);
    await expect(nextStreamPosition(db, "events'; DROP TABLE events; --")).rejects.toThrow('invalid stream name');
  });

  test('the safe position is the minimum over writers, and writers never move back', async () => {
    const stream = 'presence';
    expect(await streamSafePosition(db, stream)).toBe(0);

    await db.transaction(async (tx) => {
      await advanceWriterPosition(tx, stream, 'persister-1', 10);
      await advanceWriterPosition(tx, stream, 'persister-2', 7);
    });
    expect(await streamSafePosition(db, stream)).toBe(7);

    await advanceWriterPosition(db, stream, 'persister-2', 15);
    expect(await streamSafePosition(db, stream)).toBe(10);

    // A late, smaller report changes nothing.
    await advanceWriterPosition(db, stream, 'persister-1', 3);
    expect(await streamWriterPositions(db, stream)).toEqual(
      new Map([
        ['persister-1', 10],
        ['persister-2', 15],
      ]),
    );
    expect(await streamSafePosition(db, stream)).toBe(10);

    // Other streams are unaffected.
    expect(await streamSafePosition(db, 'receipts')).toBe(0);
  });

  test('two writers allocating concurrently get distinct positions and the safe position covers both', async () => {
    const write = (instance: string) =>
      db.transaction(async (tx) => {
        const mine: number[] = [];
        for (let i = 0; i < 5; i++) mine.push(await nextStreamPosition(tx, 'push_rules'));
        await advanceWriterPosition(tx, 'push_rules', instance, mine[mine.length - 1]!);
        return mine;
      });
    const [a, b] = await Promise.all([write('w1'), write('w2')]);
    expect(new Set([...a, ...b]).size).toBe(10);
    expect(await streamSafePosition(db, 'push_rules')).toBe(Math.min(a[4]!, b[4]!));
  });
});
