/**
 * GET /rooms/{roomId}/messages over HTTP on a 10,000-event room, on PGlite and
 * PostgreSQL: latency of the first page back from the end, of a page deep in
 * history (from a token), of a forwards page, and of a filtered page with
 * lazy-loaded members. Every page includes visibility checks and bundled
 * aggregations (a tenth of the messages are thread replies or edits).
 */
import { registerAccount } from '@lattice/client-api';
import { startBenchServer } from './lib/client-api-server.js';
import { measureLatency } from './lib/measure.js';

const EVENTS = 10_000;
const PAGE = 50;

async function get(url: string, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function benchOn(kind: 'pglite' | 'postgres'): Promise<void> {
  const server = await startBenchServer(kind);
  const { ctx, base } = server;
  const { rooms } = ctx;

  const alice = await registerAccount(ctx, { localpart: 'alice', password: 'bench password', session: { refreshable: false } });
  const token = alice.access_token!;
  const res = await fetch(`${base}/createRoom`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ preset: 'public_chat' }),
  });
  const roomId = ((await res.json()) as { room_id: string }).room_id;
  const t0 = Date.now();
  let root = '';
  for (let i = 0; i < EVENTS; i++) {
    const content: Record<string, unknown> = { msgtype: 'm.text', body: `message ${i}` };
    if (i % 20 === 5) content['m.relates_to'] = { rel_type: 'm.thread', event_id: root };
    if (i % 20 === 15) Object.assign(content, { 'm.new_content': { msgtype: 'm.text', body: 'edited' }, 'm.relates_to': { rel_type: 'm.replace', event_id: root } });
    const sent = await rooms.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice.user_id, content });
    if (i % 20 === 0) root = sent.event.event_id;
  }
  console.log(`[${kind}] set-up: ${EVENTS} events in ${Date.now() - t0} ms`);

  const messages = (query: string) => get(`${base}/rooms/${encodeURIComponent(roomId)}/messages?${query}`, token);
  const deep = (await messages(`dir=b&limit=${EVENTS / 2}`)).end as string;
  await measureLatency(`[${kind}] /messages newest page (limit ${PAGE})`, async () => void (await messages(`dir=b&limit=${PAGE}`)));
  await measureLatency(`[${kind}] /messages deep page from token`, async () => void (await messages(`dir=b&limit=${PAGE}&from=${deep}`)));
  await measureLatency(`[${kind}] /messages forwards from the start`, async () => void (await messages(`dir=f&limit=${PAGE}`)));
  const filter = encodeURIComponent(JSON.stringify({ types: ['m.room.message'], lazy_load_members: true }));
  await measureLatency(`[${kind}] /messages filtered + lazy members`, async () => void (await messages(`dir=b&limit=${PAGE}&filter=${filter}`)));

  await server.close();
}

for (const kind of ['postgres', 'pglite'] as const) await benchOn(kind);
