import { createTestDatabase, advanceWriterPosition } from '@lattice/storage';
import { StreamPosition, StreamPositions } from '@lattice/replication';

describe('StreamPositions', () => {
  test('the safe position is the minimum over the writers of the stream', () => {
    const positions = new StreamPositions();
    expect(positions.current('events')).toBe(0);
    positions.apply({ stream: 'events', instance: 'a', position: 10 });
    positions.apply({ stream: 'events', instance: 'b', position: 7 });
    expect(positions.current('events')).toBe(7);
    positions.apply({ stream: 'events', instance: 'b', position: 12 });
    expect(positions.current('events')).toBe(10);
    expect(positions.current('receipts')).toBe(0);
    expect(positions.position('events').toString()).toBe('m10~b.12');
  });

  test('positions never move backwards', () => {
    const positions = new StreamPositions();
    expect(positions.apply({ stream: 'events', instance: 'a', position: 10 })).toBe(true);
    expect(positions.apply({ stream: 'events', instance: 'a', position: 8 })).toBe(false);
    expect(positions.current('events')).toBe(10);
  });

  test('waitFor resolves true from apply() once the position is reached', async () => {
    const positions = new StreamPositions();
    positions.apply({ stream: 'events', instance: 'a', position: 3 });
    const waiting = positions.waitFor('events', 5, 60_000);
    let result: boolean | undefined;
    void waiting.then((r) => (result = r));
    positions.apply({ stream: 'events', instance: 'a', position: 4 });
    await Promise.resolve();
    expect(result).toBeUndefined();
    positions.apply({ stream: 'events', instance: 'a', position: 5 });
    await expect(waiting).resolves.toBe(true);
  });

  test('waitFor resolves at once when already caught up, false on timeout otherwise', async () => {
    const positions = new StreamPositions();
    positions.apply({ stream: 'events', instance: 'a', position: 3 });
    await expect(positions.waitFor('events', 3, 0)).resolves.toBe(true);
    await expect(positions.waitFor('events', 4, 0)).resolves.toBe(false);
    await expect(positions.waitFor('events', 4, 20)).resolves.toBe(false);
  });

  test('waitFor with a multi-writer position compares writer by writer', async () => {
    const positions = new StreamPositions();
    positions.apply({ stream: 'events', instance: 'a', position: 5 });
    positions.apply({ stream: 'events', instance: 'b', position: 5 });
    const target = StreamPosition.parse('m5~b.9');
    expect(positions.isCaughtUp('events', target)).toBe(false);
    const waiting = positions.waitFor('events', target, 60_000);
    positions.apply({ stream: 'events', instance: 'a', position: 20 }); // a is not the one the target waits for
    positions.apply({ stream: 'events', instance: 'b', position: 9 });
    await expect(waiting).resolves.toBe(true);
    expect(positions.isCaughtUp('events', StreamPosition.parse('m5~c.6'))).toBe(false); // an unknown writer is at 0
  });

  test("a writer's owned run moves the other writers that reach its start across it", () => {
    const positions = new StreamPositions();
    positions.apply({ stream: 'events', instance: 'a', position: 10 });
    positions.apply({ stream: 'events', instance: 'b', position: 10 });
    // 11 and 12 were handed out to a: b, with nothing in flight up to 10, has nothing up to 12.
    expect(positions.apply({ stream: 'events', instance: 'a', position: 12, ownedFrom: 11 })).toBe(true);
    expect(positions.writerPosition('events', 'b')).toBe(12);
    expect(positions.current('events')).toBe(12);
    // 13 is not in a's run: b (at 12) may hold it.
    positions.apply({ stream: 'events', instance: 'a', position: 15, ownedFrom: 14 });
    expect(positions.writerPosition('events', 'b')).toBe(12);
    expect(positions.current('events')).toBe(12);
  });

  test("a writer's update that arrives after another's owned run still moves it across the run", async () => {
    const positions = new StreamPositions();
    positions.apply({ stream: 'events', instance: 'a', position: 8 });
    positions.apply({ stream: 'events', instance: 'b', position: 8 });
    const waiting = positions.waitFor('events', 12, 60_000);
    // a's run starts at 11: b, at 8, may still hold 9 or 10.
    positions.apply({ stream: 'events', instance: 'a', position: 12, ownedFrom: 11 });
    expect(positions.current('events')).toBe(8);
    positions.apply({ stream: 'events', instance: 'b', position: 10 });
    expect(positions.writerPosition('events', 'b')).toBe(12);
    await expect(waiting).resolves.toBe(true);
  });

  test.each(['pglite', 'postgres'] as const)('load() starts from the stored writer positions (%s)', async (kind) => {
    const db = await createTestDatabase(kind);
    try {
      await advanceWriterPosition(db, 'events', 'a', 40);
      await advanceWriterPosition(db, 'events', 'b', 30);
      await advanceWriterPosition(db, 'receipts', 'a', 4);
      const positions = await StreamPositions.load(db, ['events', 'receipts', 'to_device']);
      expect(positions.current('events')).toBe(30);
      expect(positions.writerPosition('events', 'a')).toBe(40);
      expect(positions.current('receipts')).toBe(4);
      expect(positions.current('to_device')).toBe(0);
    } finally {
      await db.close();
    }
  });
});
