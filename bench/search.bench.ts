/**
 * POST /search latency over HTTP with 100,000 messages in the searcher's rooms
 * (20 rooms of 5,000), on PGlite and PostgreSQL. Message bodies are 8 words
 * drawn from a 5,000-word vocabulary with a Zipf-like skew, so a query for a
 * frequent word matches thousands of events and one for a rare word a handful.
 * Each request ranks or orders all matches, checks history visibility of the
 * page and returns 10 results with highlights and count. Target: p50 ≤ 50 ms.
 * Set SEARCH_BENCH_EVENTS to change the corpus size.
 */
import { registerAccount } from '@lattice/client-api';
import { startBenchServer } from './lib/client-api-server.js';
import { measureLatency } from './lib/measure.js';
import { seededRandom } from './lib/seeded-random.js';

const EVENTS = Number(process.env['SEARCH_BENCH_EVENTS'] ?? 100_000);
const ROOMS = 20;
const VOCABULARY = 5_000;
const WORDS_PER_MESSAGE = 8;

/** Pronounceable words that the English stemmer leaves distinct: "word" + letters. */
function wordOf(i: number): string {
  const letters = 'bcdfghjklmnpqrstvwxz';
  let w = '';
  for (let n = i + 1; n > 0; n = Math.floor(n / letters.length)) w += letters[n % letters.length] + 'a';
  return `w${w}`;
}

async function benchOn(kind: 'pglite' | 'postgres'): Promise<void> {
  const server = await startBenchServer(kind);
  const { ctx, base } = server;
  const { db, rooms } = ctx;

  const alice = await registerAccount(ctx, { localpart: 'alice', password: 'bench password', session: { refreshable: false } });
  const token = alice.access_token!;
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const roomIds: string[] = [];
  for (let r = 0; r < ROOMS; r++) roomIds.push((await post('/createRoom', { preset: 'public_chat' })).room_id as string);

  const rnd = seededRandom(42); // the same corpus on every run
  // Zipf-like: word k is drawn with probability ~ 1/(k+1).
  const zipf = () => Math.min(VOCABULARY - 1, Math.floor(Math.exp(rnd() * Math.log(VOCABULARY + 1))) - 1);
  const t0 = Date.now();
  const perRoom = Math.ceil(EVENTS / ROOMS);
  // Rooms fill concurrently: the persister serialises per room and group-commits across rooms.
  await Promise.all(
    roomIds.map(async (roomId) => {
      for (let i = 0; i < perRoom; i++) {
        const body = Array.from({ length: WORDS_PER_MESSAGE }, () => wordOf(zipf())).join(' ');
        await rooms.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice.user_id, content: { msgtype: 'm.text', body } });
      }
    }),
  );
  // What autovacuum does on a live PostgreSQL after a bulk load (PGlite has no autovacuum).
  await db.query('ANALYZE');
  console.log(`[${kind}] set-up: ${perRoom * ROOMS} messages in ${ROOMS} rooms in ${Date.now() - t0} ms`);

  const search = (criteria: Record<string, unknown>) => post('/search', { search_categories: { room_events: criteria } });
  const cases: Array<[string, Record<string, unknown>]> = [
    ['frequent word, rank', { search_term: wordOf(0) }],
    ['frequent word, recent', { search_term: wordOf(0), order_by: 'recent' }],
    ['mid-frequency word, rank', { search_term: wordOf(50) }],
    ['rare word, rank', { search_term: wordOf(1000) }],
    ['two words, rank', { search_term: `${wordOf(3)} ${wordOf(7)}` }],
    ['frequent word, one room, recent', { search_term: wordOf(1), order_by: 'recent', filter: { rooms: [roomIds[0]] } }],
  ];
  for (const [name, criteria] of cases) {
    const first = (await search(criteria)).search_categories as { room_events: { count: number } };
    await measureLatency(`[${kind}] /search ${name} (${first.room_events.count} matches)`, async () => void (await search(criteria)), 50);
  }

  await server.close();
}

const kinds = (process.env['BENCH_DB_KINDS']?.split(',') ?? ['pglite', 'postgres']) as Array<'pglite' | 'postgres'>;
for (const kind of kinds) await benchOn(kind);
