import { createTestDatabase } from '@lattice/storage';

// The embedded database keeps PostgreSQL's small buffer defaults (not PGlite's 160 MB): the single process's memory.
test('embedded PGlite runs with small shared buffers', async () => {
  const db = await createTestDatabase('pglite');
  try {
    const { rows } = await db.query<{ shared_buffers: string }>('SHOW shared_buffers');
    expect(rows[0]!.shared_buffers).toBe('16MB');
  } finally {
    await db.close();
  }
});
