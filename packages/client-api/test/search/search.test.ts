/** POST /search (room_events): matching, order, filters, pagination, groups, context, state, visibility, bad bodies. */
import { DB_KINDS, v3, startTestServer, type Credentials, type Reply, type TestServer } from '../support/test-server.js';
import { createRoom, joinRoom, leaveRoom, sendEvent, sendMessage, sendState } from '../support/rooms.js';
import type { ClientEvent } from '../timeline/timeline-support.js';

interface RoomEventsBody {
  count: number;
  highlights: string[];
  results: Array<{
    rank: number;
    result: ClientEvent;
    context?: {
      start: string;
      end: string;
      events_before: ClientEvent[];
      events_after: ClientEvent[];
      profile_info?: Record<string, { displayname?: string }>;
    };
  }>;
  state?: Record<string, ClientEvent[]>;
  groups?: Record<string, Record<string, { results: string[]; order: number; next_batch?: string }>>;
  next_batch?: string;
}

type SearchReply = Reply<{ search_categories: { room_events?: RoomEventsBody }; errcode?: string }>;

describe.each(DB_KINDS)('/search on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let eve: Credentials;
  let roomA: string;
  let roomB: string;
  let aliceOnly: string;
  let left: string;
  const ids: Record<string, string> = {};

  const search = (user: Credentials, roomEvents: Record<string, unknown>, nextBatch?: string): Promise<SearchReply> =>
    hs.request('POST', v3(`/search${nextBatch ? `?next_batch=${encodeURIComponent(nextBatch)}` : ''}`), {
      token: user.access_token,
      body: { search_categories: { room_events: roomEvents } },
    });
  const ok = async (user: Credentials, roomEvents: Record<string, unknown>, nextBatch?: string): Promise<RoomEventsBody> => {
    const res = await search(user, roomEvents, nextBatch);
    if (res.status !== 200) throw new Error(`search failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.search_categories.room_events!;
  };

  beforeAll(async () => {
    hs = await startTestServer(kind);
    [alice, bob, eve] = [await hs.createUser('alice'), await hs.createUser('bob'), await hs.createUser('eve')];
    roomA = await createRoom(hs, alice, { preset: 'public_chat', name: 'Martian embassy', topic: 'Talks about martians' });
    roomB = await createRoom(hs, alice, { preset: 'public_chat' });
    aliceOnly = await createRoom(hs, alice, { preset: 'private_chat' });
    left = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, roomA);
    await joinRoom(hs, bob, roomB);
    await joinRoom(hs, bob, left);
    ids.a1 = await sendMessage(hs, alice, roomA, 'The martians are winning the war');
    ids.b1 = await sendMessage(hs, bob, roomA, 'martians martians everywhere, martians!');
    ids.b2 = await sendMessage(hs, bob, roomB, 'a martian landed in room B');
    ids.a2 = await sendMessage(hs, alice, roomB, 'nothing to see here');
    ids.secret = await sendMessage(hs, alice, aliceOnly, 'secret martian plans');
    ids.before = await sendMessage(hs, alice, left, 'martians before bob left');
    await leaveRoom(hs, bob, left);
    ids.after = await sendMessage(hs, alice, left, 'martians after bob left');
    ids.notice = await sendEvent(hs, alice, roomA, 'm.room.message', { msgtype: 'm.notice', body: 'martian notice' });
  });
  afterAll(() => hs.close());

  test('finds stemmed words in bodies, names and topics of the rooms the user can see; highlights and count', async () => {
    const body = await ok(bob, { search_term: 'martian' });
    const found = body.results.map((r) => r.result.event_id);
    expect(found).toEqual(expect.arrayContaining([ids.a1, ids.b1, ids.b2, ids.before, ids.notice]));
    expect(found).not.toContain(ids.secret); // never in the room
    expect(found).not.toContain(ids.after); // sent after bob left
    expect(found).not.toContain(ids.a2);
    const types = body.results.map((r) => r.result.type);
    expect(types).toContain('m.room.name');
    expect(types).toContain('m.room.topic');
    expect(body.count).toBeGreaterThanOrEqual(body.results.length);
    expect(body.highlights).toEqual(expect.arrayContaining(['martians', 'martian']));
    expect(body.results.every((r) => typeof r.rank === 'number' && r.result.room_id !== undefined)).toBe(true);
    // Rank order: the message saying "martians" three times ranks above the single mention.
    const ranks = body.results.map((r) => r.rank);
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
    expect(found.indexOf(ids.b1)).toBeLessThan(found.indexOf(ids.a1));
  });

  test('keys restrict what is searched; recent order is newest first', async () => {
    const names = await ok(alice, { search_term: 'martian', keys: ['content.name'] });
    expect(names.results.map((r) => r.result.type)).toEqual(['m.room.name']);
    const topics = await ok(alice, { search_term: 'martian', keys: ['content.topic'] });
    expect(topics.results.map((r) => r.result.type)).toEqual(['m.room.topic']);
    const recent = await ok(alice, { search_term: 'martian', keys: ['content.body'], order_by: 'recent' });
    const ts = recent.results.map((r) => r.result.origin_server_ts);
    expect([...ts].sort((a, b) => b - a)).toEqual(ts);
    expect(recent.results[0]!.result.event_id).toBe(ids.notice);
  });

  test('the filter narrows rooms, senders and types', async () => {
    const inB = await ok(bob, { search_term: 'martian', filter: { rooms: [roomB] } });
    expect(inB.results.map((r) => r.result.event_id)).toEqual([ids.b2]);
    const notBob = await ok(bob, { search_term: 'martian', keys: ['content.body'], filter: { not_senders: [bob.user_id] } });
    expect(notBob.results.every((r) => r.result.sender !== bob.user_id)).toBe(true);
    expect(notBob.results.length).toBeGreaterThan(0);
    const bobs = await ok(alice, { search_term: 'martian', filter: { senders: [bob.user_id] } });
    expect(new Set(bobs.results.map((r) => r.result.sender))).toEqual(new Set([bob.user_id]));
    const onlyTopics = await ok(alice, { search_term: 'martian', filter: { types: ['m.room.topic'] } });
    expect(onlyTopics.results.map((r) => r.result.type)).toEqual(['m.room.topic']);
    const none = await ok(alice, { search_term: 'martian', filter: { limit: 0 } });
    expect(none.results).toEqual([]);
  });

  test('next_batch pages through every result once, in both orders', async () => {
    for (const order_by of ['recent', 'rank']) {
      const criteria = { search_term: 'martian', order_by, filter: { limit: 2 } };
      const all = (await ok(alice, { ...criteria, filter: { limit: 50 } })).results.map((r) => r.result.event_id);
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await ok(alice, criteria, token);
        expect(page.results.length).toBeLessThanOrEqual(2);
        seen.push(...page.results.map((r) => r.result.event_id));
        token = page.next_batch;
        pages++;
      } while (token !== undefined && pages < 20);
      expect(token).toBeUndefined();
      expect(seen).toEqual(all);
      expect(all.length).toBeGreaterThan(4);
    }
  });

  test('groups by room and sender; a group token stays within its group', async () => {
    const body = await ok(alice, {
      search_term: 'martian',
      keys: ['content.body'],
      order_by: 'recent',
      filter: { limit: 2 },
      groupings: { group_by: [{ key: 'room_id' }, { key: 'sender' }] },
    });
    const byRoom = body.groups!.room_id!;
    const listed = Object.values(byRoom).flatMap((g) => g.results);
    expect(listed.sort()).toEqual(body.results.map((r) => r.result.event_id).sort());
    expect(Object.values(byRoom).map((g) => g.order).sort()).toEqual(Object.keys(byRoom).map((_, i) => i + 1));
    const bySender = body.groups!.sender!;
    expect(Object.keys(bySender).every((s) => s.startsWith('@'))).toBe(true);
    const [roomId, group] = Object.entries(byRoom)[0]!;
    expect(group.next_batch).toBeDefined();
    const more = await ok(alice, { search_term: 'martian', keys: ['content.body'], order_by: 'recent', filter: { limit: 50 } }, group.next_batch);
    expect(more.results.length).toBeGreaterThan(0);
    expect(more.results.every((r) => r.result.room_id === roomId)).toBe(true);
  });

  test('event_context returns the events around the result and historic profiles; include_state the room state', async () => {
    const body = await ok(bob, {
      search_term: 'everywhere',
      event_context: { before_limit: 1, after_limit: 1, include_profile: true },
      include_state: true,
    });
    expect(body.results).toHaveLength(1);
    const context = body.results[0]!.context!;
    expect(context.events_before.map((e) => e.event_id)).toEqual([ids.a1]);
    expect(context.events_after).toHaveLength(1);
    expect(typeof context.start).toBe('string');
    expect(typeof context.end).toBe('string');
    expect(Object.keys(context.profile_info!).sort()).toEqual([alice.user_id, bob.user_id].sort());
    expect(context.profile_info![alice.user_id]!.displayname).toBe('alice');
    const state = body.state![roomA]!;
    expect(state.some((e) => e.type === 'm.room.create')).toBe(true);
    expect(state.some((e) => e.type === 'm.room.member' && e.state_key === bob.user_id)).toBe(true);

    // start continues backwards with /messages.
    const back = await hs.request<{ chunk: ClientEvent[] }>('GET', v3(`/rooms/${encodeURIComponent(roomA)}/messages?dir=b&limit=1&from=${encodeURIComponent(context.start)}`), {
      token: bob.access_token,
    });
    expect(back.status).toBe(200);
    expect(back.body.chunk[0]!.event_id).not.toBe(ids.a1);
  });

  test('the context of a result in a room the user left stops at their departure', async () => {
    const body = await ok(bob, { search_term: 'bob left', filter: { rooms: [left] }, event_context: { before_limit: 0, after_limit: 10 } });
    expect(body.results.map((r) => r.result.event_id)).toEqual([ids.before]);
    const after = body.results[0]!.context!.events_after;
    expect(after.map((e) => `${e.type}:${e.state_key ?? ''}`)).toEqual([`m.room.member:${bob.user_id}`]);
    expect(after.map((e) => e.event_id)).not.toContain(ids.after);
  });

  test('redacted events and events from ignored users are not found', async () => {
    const doomed = await sendMessage(hs, alice, roomB, 'zeppelin sighting');
    expect((await ok(bob, { search_term: 'zeppelin' })).results).toHaveLength(1);
    const redact = await hs.request('PUT', v3(`/rooms/${encodeURIComponent(roomB)}/redact/${encodeURIComponent(doomed)}/r1`), { token: alice.access_token, body: {} });
    expect(redact.status).toBe(200);
    expect((await ok(bob, { search_term: 'zeppelin' })).results).toHaveLength(0);

    await sendMessage(hs, alice, roomB, 'blimp sighting');
    expect((await ok(bob, { search_term: 'blimp' })).results).toHaveLength(1);
    // Setup straight into the table: the account data endpoints live in the sync package.
    const setIgnored = (content: object) =>
      hs.db.query(
        `INSERT INTO account_data (user_id, room_id, type, content, stream_id) VALUES ($1, '', 'm.ignored_user_list', $2, 1)
         ON CONFLICT (user_id, room_id, type) DO UPDATE SET content = EXCLUDED.content`,
        [bob.user_id, JSON.stringify(content)],
      );
    await setIgnored({ ignored_users: { [alice.user_id]: {} } });
    expect((await ok(bob, { search_term: 'blimp' })).results).toHaveLength(0);
    await setIgnored({ ignored_users: {} });
    expect((await ok(bob, { search_term: 'blimp' })).results).toHaveLength(1);
  });

  test('a user in no room finds nothing; a topic update is searchable by its m.topic text', async () => {
    expect((await ok(eve, { search_term: 'martian' })).results).toEqual([]);
    await sendState(hs, alice, roomB, 'm.room.topic', '', { topic: 'x', 'm.topic': { 'm.text': [{ mimetype: 'text/html', body: '<b>quasar</b>' }, { body: 'pulsar quasar' }] } });
    const found = await ok(alice, { search_term: 'pulsar' });
    expect(found.results.map((r) => r.result.type)).toEqual(['m.room.topic']);
  });

  test('bad bodies are 400 with the spec error and no results', async () => {
    const bad = async (body: unknown, errcode: string, query = '') => {
      const res = await hs.request<{ errcode: string }>('POST', v3(`/search${query}`), { token: alice.access_token, body });
      expect([res.status, res.body.errcode]).toEqual([400, errcode]);
    };
    await bad({}, 'M_MISSING_PARAM');
    await bad({ search_categories: { room_events: {} } }, 'M_MISSING_PARAM');
    await bad({ search_categories: { room_events: { search_term: 5 } } }, 'M_INVALID_PARAM');
    await bad({ search_categories: { people: { search_term: 'x' } } }, 'M_INVALID_PARAM');
    await bad({ search_categories: { room_events: { search_term: 'x', order_by: 'oldest' } } }, 'M_INVALID_PARAM');
    await bad({ search_categories: { room_events: { search_term: 'x', keys: ['content.url'] } } }, 'M_INVALID_PARAM');
    await bad({ search_categories: { room_events: { search_term: 'x', filter: { rooms: 'nope' } } } }, 'M_INVALID_PARAM');
    await bad({ search_categories: { room_events: { search_term: 'x', groupings: { group_by: [{ key: 'type' }] } } } }, 'M_INVALID_PARAM');
    await bad({ search_categories: { room_events: { search_term: 'x', event_context: { before_limit: -1 } } } }, 'M_INVALID_PARAM');
    await bad({ search_categories: { room_events: { search_term: 'x' } } }, 'M_INVALID_PARAM', '?next_batch=garbage');
    await bad([], 'M_BAD_JSON');
    const raw = await hs.request<{ errcode: string }>('POST', v3('/search'), { token: alice.access_token, raw: 'nope', headers: { 'Content-Type': 'application/json' } });
    expect(raw.body.errcode).toBe('M_NOT_JSON');
    const empty = await hs.request('POST', v3('/search'), { token: alice.access_token, body: { search_categories: {} } });
    expect(empty.body).toEqual({ search_categories: {} });
    expect((await hs.request('POST', v3('/search'), { body: { search_categories: {} } })).status).toBe(401);
  });
});
