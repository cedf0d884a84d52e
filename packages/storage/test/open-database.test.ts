import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, migrate, openDatabase, testPostgresUrl } from '@lattice/storage';

test('pglite: data_dir resolves against the config dir and persists across reopening', async () => {
  const configDir = await mkdtemp(join(tmpdir(), 'lattice-config-'));
  try {
    const first = await openDatabase({ name: 'pglite', args: { data_dir: 'data/db' } }, configDir);
    expect(first.kind).toBe('pglite');
    await migrate(first);
    await first.query("INSERT INTO rooms (room_id, room_version, created_ts) VALUES ('!kept:example.org', '10', 1)");
    await first.close();

    const again = await openDatabase({ name: 'pglite', args: { data_dir: join(configDir, 'data/db') } }, '/nonexistent');
    try {
      expect(await migrate(again)).toEqual([]);
      expect((await again.query('SELECT room_id FROM rooms')).rows).toEqual([{ room_id: '!kept:example.org' }]);
    } finally {
      await again.close();
    }
  } finally {
    await rm(configDir, { recursive: true });
  }
});

describe('postgres config', () => {
  test.each(['connection_string', 'discrete'] as const)('opens the configured database from %s arguments', async (style) => {
    const scratch = await createTestDatabase('postgres');
    try {
      const { rows } = await scratch.query<{ name: string }>('SELECT current_database() AS name');
      const url = new URL(testPostgresUrl(rows[0]!.name));
      const args =
        style === 'connection_string'
          ? { connection_string: url.toString(), cp_max: 2 }
          : {
              user: decodeURIComponent(url.username),
              password: decodeURIComponent(url.password) || undefined,
              host: url.hostname,
              port: Number(url.port || 5432),
              database: rows[0]!.name,
              cp_min: 1,
              cp_max: 2,
            };
      const db = await openDatabase({ name: 'psycopg2', args }, '/unused');
      try {
        expect(db.kind).toBe('postgres');
        expect((await db.query<{ name: string }>('SELECT current_database() AS name')).rows[0]!.name).toBe(rows[0]!.name);
      } finally {
        await db.close();
      }
    } finally {
      await scratch.close();
    }
  });
});
