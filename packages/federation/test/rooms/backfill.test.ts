/**
 * History from before a server joined (server-server "Backfilling"): B joins
 * A's room after 30 messages; B's user pages /messages backwards past the
 * join, B fetches the older events from A with /backfill and serves them in
 * order, down to the room's creation, without presenting them as news in
 * /sync.
 */
import { DB_KINDS } from '../../../client-api/test/support/test-server.js';
import { withLatticePair, type Lattice } from './lattice-pair.js';

const enc = encodeURIComponent;
type Event = { event_id: string; type: string; content: Record<string, unknown> };
type MessagesBody = { chunk: Event[]; start: string; end?: string };
type SyncBody = { next_batch: string; rooms?: { join?: Record<string, { timeline?: { events: Event[] } }> } };

describe.each(DB_KINDS)('backfill (%s)', (kind) => {
  let a: Lattice;
  let b: Lattice;
  withLatticePair(kind, (servers) => {
    [a, b] = servers;
  });

  test("paging back past the join fetches A's older history, in order, down to the room's creation", async () => {
    const alice = await a.createUser('alice');
    const bob = await b.createUser('bob');
    const created = await a.request<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', alice.token, {
      preset: 'public_chat',
      initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'shared' } }],
    });
    const roomId = created.body.room_id;
    const sent: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await a.request<{ event_id: string }>('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/m${i}`, alice.token, { msgtype: 'm.text', body: `old ${i}` });
      sent.push(res.body.event_id);
    }
    expect((await b.request('POST', `/_matrix/client/v3/join/${enc(roomId)}?server_name=${enc(a.serverName)}`, bob.token, {})).status).toBe(200);
    const sync0 = await b.request<SyncBody>('GET', '/_matrix/client/v3/sync?timeout=0', bob.token);

    // Page back 10 at a time until the end of history.
    const seen: Event[] = [];
    let from: string | undefined;
    for (let round = 0; round < 20; round++) {
      const page = await b.request<MessagesBody>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=10${from ? `&from=${enc(from)}` : ''}`, bob.token);
      expect(page.status).toBe(200);
      seen.push(...page.body.chunk);
      if (page.body.end === undefined) break;
      from = page.body.end;
    }
    const bodies = seen.filter((e) => e.type === 'm.room.message').map((e) => e.content['body']);
    expect(bodies).toEqual(sent.map((_, i) => `old ${29 - i}`));
    expect(seen.at(-1)?.type).toBe('m.room.create');
    expect(new Set(seen.map((e) => e.event_id)).size).toBe(seen.length);

    // History is not news: an incremental sync after the backfill carries none of it.
    const sync1 = await b.request<SyncBody>('GET', `/_matrix/client/v3/sync?timeout=0&since=${enc(sync0.body.next_batch)}`, bob.token);
    const news = sync1.body.rooms?.join?.[roomId]?.timeline?.events ?? [];
    expect(news.filter((e) => sent.includes(e.event_id))).toEqual([]);

    // And the stored history pages forwards from the start too.
    const forward = await b.request<MessagesBody>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=f&limit=100`, bob.token);
    const forwardBodies = forward.body.chunk.filter((e) => e.type === 'm.room.message').map((e) => e.content['body']);
    expect(forwardBodies).toEqual(sent.map((_, i) => `old ${i}`));
  });
});
