/**
 * Stream-writer fencing (PostgreSQL only: it asks pg_stat_activity). A writer
 * of a two-writer stream dies with one position in flight and one committed
 * but never announced: readers must not skip the in-flight one while its
 * transaction is open, must move on once it is gone, and must deliver the
 * committed row that nobody announced. A restarted writer waits out its
 * previous incarnation's open transactions before claiming a position. A
 * probe counts this database's connections only: another deployment on the
 * same server may name its writers alike.
 */
import pg from 'pg';
import {
  advanceWriterPosition,
  createTestDatabase,
  openPostgres,
  probeWriterActivity,
  streamWriterPositions,
  testPostgresUrl,
  type Database,
} from '@lattice/storage';
import {
  CachesRowSource,
  InProcessTransport,
  createReplicationHub,
  recordCacheInvalidation,
  type CacheRow,
  type ReplicationHub,
} from '@lattice/replication';
import { memoryLogger } from './helpers.js';

const WRITERS = { caches: ['w1', 'w2'] };

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('stream-writer fencing on postgres', () => {
  let db: Database;
  let url: string;
  const closers: Array<() => Promise<unknown>> = [];

  const tagged = (applicationName: string): Database => {
    const pool = openPostgres({ connectionString: url, applicationName, max: 3 });
    closers.push(() => pool.close());
    return pool;
  };
  const client = async (applicationName: string): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url, application_name: applicationName });
    await c.connect();
    c.on('error', () => undefined); // killed on purpose below
    closers.push(() => c.end().catch(() => undefined));
    return c;
  };
  const hubOf = async (instanceName: string, tag: string, writes: ['caches'] | [], transport: InProcessTransport): Promise<{ hub: ReplicationHub; hubDb: Database }> => {
    const hubDb = tagged(tag);
    const hub = await createReplicationHub({
      db: hubDb,
      transport,
      instanceName,
      logger: memoryLogger().logger,
      writes,
      writesTyping: false,
      streamWriters: WRITERS,
      rowSources: { caches: new CachesRowSource(hubDb) },
      fencing: { applicationName: tag, staleAfterMs: 200 },
    });
    closers.unshift(() => hub.close());
    return { hub, hubDb };
  };

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const { rows } = await db.query<{ name: string }>('SELECT current_database() AS name');
    url = testPostgresUrl(rows[0]!.name);
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await db.close();
  });

  it('a dead writer stops holding the stream back only once its transactions ended, and its unannounced rows arrive', async () => {
    // w1 was running and had announced everything so far.
    const { rows: start } = await db.query<{ p: number }>("SELECT nextval('stream_caches_seq') AS p");
    await advanceWriterPosition(db, 'caches', 'w1', start[0]!.p);

    const transport = new InProcessTransport();
    const { hub: reader } = await hubOf('reader', 'lattice/reader/r1', [], transport);
    const { hub: w2, hubDb: w2Db } = await hubOf('w2', 'lattice/w2/i1', ['caches'], transport);
    const seen: string[] = [];
    reader.onUpdate('caches', (u) => seen.push(...u.rows.map((r) => r.cache)));

    // w1's last moments: one transaction holds a position open, another commits a row it never announces.
    const inFlight = await client('lattice/w1/i1');
    await inFlight.query('BEGIN');
    const p1 = Number((await inFlight.query<{ p: string }>("SELECT nextval('stream_caches_seq') AS p")).rows[0]!.p);
    const committer = await client('lattice/w1/i1');
    await committer.query('BEGIN');
    const p2 = Number((await committer.query<{ p: string }>("SELECT nextval('stream_caches_seq') AS p")).rows[0]!.p);
    await recordCacheInvalidation(committer, p2, 'w1', { cache: 'unannounced' });
    await committer.query('COMMIT');

    const row: CacheRow = { cache: 'from-w2' };
    const b1 = await w2.writer('caches').write(w2Db, async (tx, position) => {
      await recordCacheInvalidation(tx, position, 'w2', row);
      return [row];
    });
    expect(b1).toBeGreaterThan(p2);
    expect(reader.positions.current('caches')).toBeLessThan(p1);

    // Several probe rounds pass: the open transaction keeps w1 (and so the stream) below p1.
    await new Promise((r) => setTimeout(r, 1000));
    expect(reader.positions.writerPosition('caches', 'w1')).toBeLessThan(p1);
    expect(reader.positions.current('caches')).toBeLessThan(p1);

    // The process dies: its connections drop, PostgreSQL aborts the open transaction.
    for (const c of [inFlight, committer]) (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await until('the stream moves past w2\'s row', () => reader.positions.current('caches') >= b1);
    expect(seen).toContain('unannounced');
    expect(seen).toContain('from-w2');
    expect((await streamWriterPositions(db, 'caches')).get('w1')).toBeGreaterThanOrEqual(b1);
  });

  it('a restarted writer waits for its previous incarnation\'s open transactions before claiming', async () => {
    const old = await client('lattice/w1/old');
    await old.query('BEGIN');
    const stale = Number((await old.query<{ p: string }>("SELECT nextval('stream_caches_seq') AS p")).rows[0]!.p);
    let claimed = false;
    const restarting = hubOf('w1', 'lattice/w1/new', ['caches'], new InProcessTransport()).then(({ hub }) => {
      claimed = true;
      return hub;
    });
    await new Promise((r) => setTimeout(r, 800));
    expect(claimed).toBe(false);
    await old.query('ROLLBACK');
    const hub = await restarting;
    expect(hub.writer('caches').persistedUpTo).toBeGreaterThan(stale);
  });

  it('connections to another database are no writer of this one, whatever their name', async () => {
    // Another deployment on the same PostgreSQL server, with the same instance names (event-persister-1, …).
    const other = await createTestDatabase('postgres');
    closers.push(() => other.close());
    const { rows } = await other.query<{ name: string }>('SELECT current_database() AS name');
    const elsewhere = new pg.Client({ connectionString: testPostgresUrl(rows[0]!.name), application_name: 'lattice/w3/elsewhere' });
    await elsewhere.connect();
    closers.unshift(() => elsewhere.end());
    await elsewhere.query('BEGIN');
    await elsewhere.query('SELECT 1');
    await new Promise((r) => setTimeout(r, 20)); // its transaction began before the probe reads the sequence
    const activity = await probeWriterActivity(db, 'caches', 'w3');
    expect(activity).toMatchObject({ openTransactions: 0, backends: 0 });
    await elsewhere.query('ROLLBACK');
  });
});
