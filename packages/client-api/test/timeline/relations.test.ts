/**
 * /relations (each relation type, pagination, dir, recurse), bundled
 * aggregations (m.replace, m.thread, m.reference; none for m.annotation) in
 * every read API, /threads and /timestamp_to_event.
 */
import { DB_KINDS, v3, type Credentials, type TestServer } from '../support/test-server.js';
import { createRoom, joinRoom, sendEvent, sendMessage } from '../support/rooms.js';
import { startTimelineRoom, enc, messages, query, v1, type ClientEvent } from './timeline-support.js';

interface RelationsBody {
  chunk: ClientEvent[];
  next_batch?: string;
  prev_batch?: string;
  recursion_depth?: number;
}

const rel = (relType: string, eventId: string, extra: Record<string, unknown> = {}) => ({ 'm.relates_to': { rel_type: relType, event_id: eventId, ...extra } });
const text = (body: string, extra: Record<string, unknown> = {}) => ({ msgtype: 'm.text', body, ...extra });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DB_KINDS)('relations and aggregations on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let eve: Credentials;
  let roomId: string;
  const ev: Record<string, string> = {};

  const send = (user: Credentials, content: Record<string, unknown>, type = 'm.room.message') => sendEvent(hs, user, roomId, type, content);

  beforeAll(async () => {
    ({ hs, alice, bob, eve, roomId } = await startTimelineRoom(kind));
    await joinRoom(hs, eve, roomId);

    ev.root = await sendMessage(hs, alice, roomId, 'root');
    ev.edit1 = await send(alice, { ...text('* root v2'), 'm.new_content': text('root v2'), ...rel('m.replace', ev.root) });
    await sleep(3);
    ev.edit2 = await send(alice, { ...text('* root v3'), 'm.new_content': text('root v3'), ...rel('m.replace', ev.root) });
    await sleep(3);
    ev.foreignEdit = await send(bob, { ...text('* hijack'), 'm.new_content': text('hijack'), ...rel('m.replace', ev.root) });
    ev.noNewContent = await send(alice, { ...text('* no new content'), ...rel('m.replace', ev.root) });
    ev.reaction = await send(bob, rel('m.annotation', ev.root, { key: '👍' }), 'm.reaction');
    ev.thread1 = await send(bob, { ...text('in thread 1'), ...rel('m.thread', ev.root) });
    ev.reactionOnThread = await send(alice, rel('m.annotation', ev.thread1, { key: '🎉' }), 'm.reaction');
    ev.thread2 = await send(alice, { ...text('in thread 2'), ...rel('m.thread', ev.root) });
    ev.ref1 = await send(bob, { ...text('see root'), ...rel('m.reference', ev.root) });
    ev.thread3 = await send(bob, { ...text('in thread 3'), ...rel('m.thread', ev.root) });
    ev.thread3Edit = await send(bob, { ...text('* in thread 3!'), 'm.new_content': text('in thread 3!'), ...rel('m.replace', ev.thread3) });
    ev.ref2 = await send(bob, { ...text('see root again'), ...rel('m.reference', ev.root) });
    // A second thread, more recently active than the first.
    ev.root2 = await sendMessage(hs, bob, roomId, 'root 2');
    ev.root2Reply = await send(bob, { ...text('reply 2'), ...rel('m.thread', ev.root2) });
  });
  afterAll(() => hs.close());

  const relations = (path: string, params: Record<string, string | number | boolean | undefined> = {}, user = alice) =>
    hs.request<RelationsBody>('GET', v1(`/rooms/${enc(roomId)}/relations/${path}${query(params)}`), { token: user.access_token });
  const getEvent = async (eventId: string, user = alice) =>
    (await hs.request<ClientEvent>('GET', v3(`/rooms/${enc(roomId)}/context/${enc(eventId)}?limit=0`), { token: user.access_token })).body as unknown as { event: ClientEvent };

  test('all children of the root, newest first, each relation type included', async () => {
    const res = await relations(enc(ev.root!), { limit: 100 });
    expect(res.status).toBe(200);
    const expected = ['ref2', 'thread3', 'ref1', 'thread2', 'thread1', 'reaction', 'noNewContent', 'foreignEdit', 'edit2', 'edit1'].map((k) => ev[k]);
    expect(res.body.chunk.map((e) => e.event_id)).toEqual(expected);
    expect(res.body.next_batch).toBeUndefined();
    expect(res.body.recursion_depth).toBeUndefined();
  });

  test('rel_type and event_type filters', async () => {
    const threads = await relations(`${enc(ev.root!)}/m.thread`);
    expect(threads.body.chunk.map((e) => e.event_id)).toEqual([ev.thread3, ev.thread2, ev.thread1]);
    const reactions = await relations(`${enc(ev.root!)}/m.annotation/m.reaction`);
    expect(reactions.body.chunk.map((e) => e.event_id)).toEqual([ev.reaction]);
    const none = await relations(`${enc(ev.root!)}/m.annotation/m.room.message`);
    expect(none.body.chunk).toEqual([]);
  });

  test('pagination with next_batch both ways, without overlap', async () => {
    const all = (await relations(enc(ev.root!), { limit: 100 })).body.chunk.map((e) => e.event_id);
    for (const dir of ['b', 'f'] as const) {
      const collected: string[] = [];
      let from: string | undefined;
      for (let i = 0; i < 20; i++) {
        const page = await relations(enc(ev.root!), { limit: 3, dir, from });
        collected.push(...page.body.chunk.map((e) => e.event_id));
        if (page.body.next_batch === undefined) break;
        expect(page.body.chunk).toHaveLength(3);
        from = page.body.next_batch;
      }
      expect(collected).toEqual(dir === 'b' ? all : [...all].reverse());
    }
    // `to` stops the walk: from the first page's end back to nothing older than the second page's end.
    const first = await relations(enc(ev.root!), { limit: 3 });
    const second = await relations(enc(ev.root!), { limit: 3, from: first.body.next_batch });
    const bounded = await relations(enc(ev.root!), { limit: 100, from: first.body.next_batch, to: second.body.next_batch });
    expect(bounded.body.chunk.map((e) => e.event_id)).toEqual(second.body.chunk.map((e) => e.event_id));
  });

  test('recurse includes indirect children, and filters apply at every level', async () => {
    const flat = await relations(enc(ev.root!), { limit: 100, recurse: false });
    expect(flat.body.recursion_depth).toBe(1);
    expect(flat.body.chunk.map((e) => e.event_id)).not.toContain(ev.reactionOnThread);
    const deep = await relations(enc(ev.root!), { limit: 100, recurse: true });
    expect(deep.body.recursion_depth).toBe(3);
    const ids = deep.body.chunk.map((e) => e.event_id);
    expect(ids).toContain(ev.reactionOnThread);
    expect(ids).toContain(ev.thread3Edit);
    const threadOnly = await relations(`${enc(ev.root!)}/m.thread`, { limit: 100, recurse: true });
    expect(threadOnly.body.chunk.map((e) => e.event_id)).toEqual([ev.thread3, ev.thread2, ev.thread1]);
  });

  test('bundled aggregations: latest valid edit, thread summary with its own bundle, references; no annotations', async () => {
    const { event } = await getEvent(ev.root!);
    const relations = event.unsigned!['m.relations']!;
    expect(Object.keys(relations).sort()).toEqual(['m.reference', 'm.replace', 'm.thread']);
    expect(relations['m.replace']!.event_id).toBe(ev.edit2);
    expect(relations['m.replace']!.content['m.new_content']).toEqual(text('root v3'));
    // The original content is left intact.
    expect(event.content.body).toBe('root');
    expect(relations['m.reference']).toEqual({ chunk: [{ event_id: ev.ref1 }, { event_id: ev.ref2 }] });
    const thread = relations['m.thread']!;
    expect(thread.count).toBe(3);
    expect(thread.current_user_participated).toBe(true);
    expect(thread.latest_event.event_id).toBe(ev.thread3);
    expect(thread.latest_event.unsigned!['m.relations']!['m.replace']!.event_id).toBe(ev.thread3Edit);

    expect((await getEvent(ev.root!, eve)).event.unsigned!['m.relations']!['m.thread']!.current_user_participated).toBe(false);
    expect((await getEvent(ev.root!, bob)).event.unsigned!['m.relations']!['m.thread']!.current_user_participated).toBe(true);
  });

  test('bundles also appear in /messages and /relations chunks', async () => {
    const page = await messages(hs, alice, roomId, { dir: 'b', limit: 100 });
    const root = page.body.chunk.find((e) => e.event_id === ev.root)!;
    expect(root.unsigned!['m.relations']!['m.replace']!.event_id).toBe(ev.edit2);
    const thread3 = (await relations(`${enc(ev.root!)}/m.thread`)).body.chunk[0]!;
    expect(thread3.unsigned!['m.relations']!['m.replace']!.event_id).toBe(ev.thread3Edit);
    // Events without children carry no m.relations at all.
    expect(page.body.chunk.find((e) => e.event_id === ev.ref1)!.unsigned!['m.relations']).toBeUndefined();
  });

  test('redacting the latest edit falls back to the previous one; a redacted original bundles no edit', async () => {
    const redact = (eventId: string) =>
      hs.request('PUT', v3(`/rooms/${enc(roomId)}/redact/${enc(eventId)}/r${Date.now()}${Math.random()}`), { token: alice.access_token, body: {} });
    const original = await sendMessage(hs, alice, roomId, 'to be edited');
    const edit = await send(alice, { ...text('* edited'), 'm.new_content': text('edited'), ...rel('m.replace', original) });
    await sleep(3);
    const later = await send(alice, { ...text('* edited again'), 'm.new_content': text('edited again'), ...rel('m.replace', original) });
    expect((await getEvent(original)).event.unsigned!['m.relations']!['m.replace']!.event_id).toBe(later);
    expect((await redact(later)).status).toBe(200);
    expect((await getEvent(original)).event.unsigned!['m.relations']!['m.replace']!.event_id).toBe(edit);
    expect((await redact(original)).status).toBe(200);
    expect((await getEvent(original)).event.unsigned!['m.relations']).toBeUndefined();
  });

  test('/threads: roots by latest activity, paginated, include=participated', async () => {
    const list = (params: Record<string, string | number | undefined> = {}, user = alice) =>
      hs.request<RelationsBody>('GET', v1(`/rooms/${enc(roomId)}/threads${query(params)}`), { token: user.access_token });
    const res = await list();
    expect(res.status).toBe(200);
    expect(res.body.chunk.map((e) => e.event_id)).toEqual([ev.root2, ev.root]);
    expect(res.body.chunk[1]!.unsigned!['m.relations']!['m.thread']!.count).toBe(3);
    expect(res.body.next_batch).toBeUndefined();

    const first = await list({ limit: 1 });
    expect(first.body.chunk.map((e) => e.event_id)).toEqual([ev.root2]);
    const second = await list({ limit: 1, from: first.body.next_batch });
    expect(second.body.chunk.map((e) => e.event_id)).toEqual([ev.root]);
    expect(second.body.next_batch).toBeUndefined();

    expect((await list({ include: 'participated' }, eve)).body.chunk).toEqual([]);
    expect((await list({ include: 'participated' }, alice)).body.chunk.map((e) => e.event_id)).toEqual([ev.root]);
    expect((await list({ include: 'participated' }, bob)).body.chunk.map((e) => e.event_id)).toEqual([ev.root2, ev.root]);
    expect((await list({ include: 'some' })).status).toBe(400);
    expect((await list({ limit: 0 })).status).toBe(400);
    expect((await list({ from: 'bogus' })).status).toBe(400);
  });

  test('errors: unknown parent 404, malformed ids 400, outsiders 403', async () => {
    const unknown = await relations(enc('$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'));
    expect([unknown.status, (unknown.body as unknown as { errcode: string }).errcode]).toEqual([404, 'M_NOT_FOUND']);
    expect((await relations('bad-id')).status).toBe(400);
    expect((await relations(enc(ev.root!), { dir: 'x' })).status).toBe(400);
    const privateRoom = await createRoom(hs, alice, { preset: 'private_chat' });
    const secret = await sendMessage(hs, alice, privateRoom, 'secret');
    const outsider = await hs.request('GET', v1(`/rooms/${enc(privateRoom)}/relations/${enc(secret)}`), { token: eve.access_token });
    expect(outsider.status).toBe(403);
    const threads = await hs.request('GET', v1(`/rooms/${enc(privateRoom)}/threads`), { token: eve.access_token });
    expect(threads.status).toBe(403);
  });

  test('/timestamp_to_event finds the closest visible event in each direction', async () => {
    const room = await createRoom(hs, alice, { preset: 'private_chat' });
    const ids: string[] = [];
    for (const body of ['one', 'two', 'three']) {
      await sleep(5);
      ids.push(await sendMessage(hs, alice, room, body));
    }
    const events = await hs.ctx.rooms.store.getEvents(ids);
    const ts = ids.map((id) => events.get(id)!.event.origin_server_ts);
    const at = (params: Record<string, string | number>, user = alice) =>
      hs.request<{ event_id: string; origin_server_ts: number; errcode?: string }>('GET', v1(`/rooms/${enc(room)}/timestamp_to_event${query(params)}`), { token: user.access_token });

    expect((await at({ ts: ts[1]!, dir: 'f' })).body).toEqual({ event_id: ids[1], origin_server_ts: ts[1] });
    expect((await at({ ts: ts[1]! - 1, dir: 'b' })).body.event_id).toBe(ids[0]);
    expect((await at({ ts: ts[1]! + 1, dir: 'f' })).body.event_id).toBe(ids[2]);
    expect((await at({ ts: ts[2]! + 60_000, dir: 'b' })).body.event_id).toBe(ids[2]);
    const none = await at({ ts: ts[2]! + 60_000, dir: 'f' });
    expect([none.status, none.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
    expect((await at({ ts: 1, dir: 'b' })).status).toBe(404);
    expect((await at({ dir: 'f' } as Record<string, string>)).body.errcode).toBe('M_MISSING_PARAM');
    expect((await at({ ts: 'soon', dir: 'f' })).body.errcode).toBe('M_INVALID_PARAM');
    expect((await at({ ts: ts[0]!, dir: 'sideways' })).body.errcode).toBe('M_INVALID_PARAM');
    expect((await at({ ts: ts[0]!, dir: 'f' }, eve)).status).toBe(403);
  });
});
