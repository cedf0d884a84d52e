import { createTestDatabase, type Database } from '@lattice/storage';

// PGlite settles statements as microtasks: without LoopTurns a loop of awaited statements never lets the event loop run.
describe('PGlite gives the event loop turns during a long run of statements', () => {
  let db: Database;

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
  });
  afterAll(() => db.close());

  test('an immediate queued before the loop runs before the loop ends', async () => {
    let ran = false;
    setImmediate(() => (ran = true));
    let statementsBeforeTurn = 0;
    // Statements of a few milliseconds each: the loop lasts well past the slice.
    for (let i = 0; i < 400 && !ran; i++) {
      await db.query('SELECT count(*) FROM generate_series(1, 20000)');
      statementsBeforeTurn++;
    }
    expect(ran).toBe(true);
    expect(statementsBeforeTurn).toBeLessThan(400);
  });

  test('inside a transaction too', async () => {
    let ran = false;
    await db.transaction(async (tx) => {
      setImmediate(() => (ran = true));
      for (let i = 0; i < 400 && !ran; i++) await tx.query('SELECT count(*) FROM generate_series(1, 20000)');
    });
    expect(ran).toBe(true);
  });
});
