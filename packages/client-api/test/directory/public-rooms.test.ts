/** GET/POST /publicRooms: entries, which rooms are listed, filters, pagination, bad input. */
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type Credentials, type TestServer } from '../support/test-server.js';
import { createRoom, joinRoom, leaveRoom, sendState } from '../support/rooms.js';

interface Chunk {
  room_id: string;
  num_joined_members: number;
  name?: string;
  topic?: string;
  canonical_alias?: string;
  room_type?: string;
}
interface Page {
  chunk: Chunk[];
  next_batch?: string;
  prev_batch?: string;
  total_room_count_estimate?: number;
  errcode?: string;
}

const ids = (page: Page) => page.chunk.map((c) => c.room_id);

describe.each(DB_KINDS)('/publicRooms on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let users: Credentials[];

  beforeAll(async () => {
    hs = await startTestServer(kind);
    alice = await hs.createUser('alice');
    users = await Promise.all(['u1', 'u2', 'u3'].map((n) => hs.createUser(n)));
  });
  afterAll(() => hs.close());

  const getRooms = (query = '') => hs.request<Page>('GET', v3(`/publicRooms${query}`));
  const postRooms = (body: unknown, query = '') => hs.request<Page>('POST', v3(`/publicRooms${query}`), { token: alice.access_token, body });

  /** Every room of the directory, walking next_batch with the given page size. */
  async function walk(limit: number): Promise<{ pages: Page[]; rooms: string[] }> {
    const pages: Page[] = [];
    let since: string | undefined;
    do {
      const res = await postRooms({ limit, since });
      expect(res.status).toBe(200);
      pages.push(res.body);
      since = res.body.next_batch;
    } while (since !== undefined && pages.length < 100);
    return { pages, rooms: pages.flatMap(ids) };
  }

  describe('entries and listing rules', () => {
    let described: string;
    let space: string;

    beforeAll(async () => {
      described = await createRoom(hs, alice, {
        visibility: 'public',
        preset: 'public_chat',
        name: 'Cheese Lovers',
        topic: 'Tasty tasty cheese',
        room_alias_name: 'cheese',
        initial_state: [
          { type: 'm.room.avatar', state_key: '', content: { url: 'mxc://example.org/cheddar' } },
          { type: 'm.room.guest_access', state_key: '', content: { guest_access: 'can_join' } },
          { type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'world_readable' } },
        ],
      });
      space = await createRoom(hs, alice, { visibility: 'public', preset: 'public_chat', name: 'Space', creation_content: { type: 'm.space' } });
    });

    test('an entry carries every field of PublishedRoomsChunk', async () => {
      const entry = (await getRooms()).body.chunk.find((c) => c.room_id === described);
      expect(entry).toEqual({
        room_id: described,
        name: 'Cheese Lovers',
        topic: 'Tasty tasty cheese',
        canonical_alias: `#cheese:${SERVER_NAME}`,
        num_joined_members: 1,
        world_readable: true,
        guest_can_join: true,
        avatar_url: 'mxc://example.org/cheddar',
        join_rule: 'public',
      });
      const plain = (await getRooms()).body.chunk.find((c) => c.room_id === space);
      expect(plain).toEqual({
        room_id: space,
        name: 'Space',
        num_joined_members: 1,
        world_readable: false,
        guest_can_join: false,
        join_rule: 'public',
        room_type: 'm.space',
      });
    });

    test('state changes show at once: name, topic, member count', async () => {
      await sendState(hs, alice, space, 'm.room.name', '', { name: 'Renamed' });
      await sendState(hs, alice, space, 'm.room.topic', '', { topic: 'New topic' });
      await joinRoom(hs, users[0], space);
      const entry = (await getRooms()).body.chunk.find((c) => c.room_id === space);
      expect(entry).toMatchObject({ name: 'Renamed', topic: 'New topic', num_joined_members: 2 });
      await sendState(hs, alice, space, 'm.room.name', '', {});
      expect((await getRooms()).body.chunk.find((c) => c.room_id === space)?.name).toBeUndefined();
    });

    test('a redacted topic is gone from the entry', async () => {
      const topicEvent = await sendState(hs, alice, space, 'm.room.topic', '', { topic: 'Soon redacted' });
      expect((await getRooms()).body.chunk.find((c) => c.room_id === space)?.topic).toBe('Soon redacted');
      const path = v3(`/rooms/${encodeURIComponent(space)}/redact/${encodeURIComponent(topicEvent)}/redact-topic`);
      expect((await hs.request('PUT', path, { token: alice.access_token, body: {} })).status).toBe(200);
      const entry = (await getRooms()).body.chunk.find((c) => c.room_id === space);
      expect(entry?.topic).toBeUndefined();
      expect(entry?.room_type).toBe('m.space');
    });

    test('unpublished, invite-only (unless world-readable) and empty rooms are not listed', async () => {
      const unpublished = await createRoom(hs, alice, { preset: 'public_chat' });
      const inviteOnly = await createRoom(hs, alice, { visibility: 'public', preset: 'private_chat' });
      const inviteButReadable = await createRoom(hs, alice, {
        visibility: 'public',
        preset: 'private_chat',
        initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'world_readable' } }],
      });
      const emptied = await createRoom(hs, users[1], { visibility: 'public', preset: 'public_chat' });
      await leaveRoom(hs, users[1], emptied);

      const listed = ids((await getRooms()).body);
      expect(listed).not.toContain(unpublished);
      expect(listed).not.toContain(inviteOnly);
      expect(listed).not.toContain(emptied);
      expect(listed).toContain(inviteButReadable);
    });

    test('POST filter: generic_search_term on name, topic and alias (case-insensitive) and the exact room id', async () => {
      for (const term of ['cheese LOVERS', 'TASTY', '#CHEESE:', described]) {
        const res = await postRooms({ filter: { generic_search_term: term } });
        expect([term, ids(res.body)]).toEqual([term, [described]]);
        expect(res.body.total_room_count_estimate).toBe(1);
      }
      expect(ids((await postRooms({ filter: { generic_search_term: 'no such room anywhere' } })).body)).toEqual([]);
      // Wildcards of LIKE are plain characters here.
      expect(ids((await postRooms({ filter: { generic_search_term: '%' } })).body)).toEqual([]);
    });

    test('POST filter: room_types, with null for rooms without a type', async () => {
      expect(ids((await postRooms({ filter: { room_types: ['m.space'] } })).body)).toEqual([space]);
      const untyped = ids((await postRooms({ filter: { room_types: [null] } })).body);
      expect(untyped).toContain(described);
      expect(untyped).not.toContain(space);
      const both = ids((await postRooms({ filter: { room_types: [null, 'm.space'] } })).body);
      expect(both).toEqual(expect.arrayContaining([described, space]));
      expect(ids((await postRooms({ filter: { room_types: [] } })).body).sort()).toEqual(ids((await getRooms()).body).sort());
    });

    test('networks: include_all_networks lists this server; an application-service network has no rooms here', async () => {
      const all = await postRooms({ include_all_networks: true });
      expect(ids(all.body).sort()).toEqual(ids((await getRooms()).body).sort());
      const network = await postRooms({ third_party_instance_id: 'irc-bridge|freenode' });
      expect(network.body).toEqual({ chunk: [], total_room_count_estimate: 0 });
      for (const body of [{ third_party_instance_id: 'irc' }, { include_all_networks: true, third_party_instance_id: 'a|b' }]) {
        const res = await postRooms(body);
        expect([res.status, res.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
      }
    });

    test('pages of one room cover the whole directory', async () => {
      const { pages, rooms } = await walk(1);
      expect(rooms.length).toBeGreaterThanOrEqual(3);
      expect(pages.every((p) => p.chunk.length === 1)).toBe(true);
      expect(rooms).toEqual(ids((await getRooms()).body));
    });

    test('server: this server or absent; another server is not reachable yet; malformed names are 400', async () => {
      expect((await getRooms(`?server=${SERVER_NAME}`)).status).toBe(200);
      expect((await postRooms({}, `?server=${SERVER_NAME}`)).status).toBe(200);
      expect((await getRooms('?server=other.example')).status).toBe(404);
      expect((await getRooms('?server=bad%20name')).status).toBe(400);
    });

    test('bad input and auth: POST needs a token, GET does not', async () => {
      expect((await hs.request('POST', v3('/publicRooms'), { body: {} })).status).toBe(401);
      for (const query of ['?limit=-1', '?limit=ten', '?since=garbage', '?limit=1&limit=2']) {
        const res = await getRooms(query);
        expect([query, res.status, res.body.errcode]).toEqual([query, 400, 'M_INVALID_PARAM']);
      }
      for (const body of [{ limit: 'ten' }, { limit: 1.5 }, { since: 'garbage' }, { filter: 'x' }, { filter: { room_types: 'm.space' } }, { filter: { generic_search_term: 5 } }]) {
        const res = await postRooms(body);
        expect([body, res.status, res.body.errcode]).toEqual([body, 400, 'M_INVALID_PARAM']);
      }
    });
  });

  describe('pagination', () => {
    let pagedHs: TestServer;
    let expected: string[];
    const ROOMS = 13;

    beforeAll(async () => {
      pagedHs = await startTestServer(kind);
      const owner = await pagedHs.createUser('owner');
      const members = await Promise.all(['m1', 'm2', 'm3'].map((n) => pagedHs.createUser(n)));
      const rooms: Array<{ id: string; joined: number }> = [];
      for (let i = 0; i < ROOMS; i++) {
        const id = await createRoom(pagedHs, owner, { visibility: 'public', preset: 'public_chat', name: `room ${i}` });
        // 1 to 4 members, with ties, so the room id tie-break matters.
        const extra = i % 4;
        for (const m of members.slice(0, extra)) await joinRoom(pagedHs, m, id);
        rooms.push({ id, joined: 1 + extra });
      }
      expected = rooms.sort((a, b) => b.joined - a.joined || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => r.id);
    });
    afterAll(() => pagedHs.close());

    test('without a limit: every room in order (most members first, then room id), no tokens', async () => {
      const res = await pagedHs.request<Page>('GET', v3('/publicRooms'));
      expect(ids(res.body)).toEqual(expected);
      expect(res.body.next_batch).toBeUndefined();
      expect(res.body.prev_batch).toBeUndefined();
      expect(res.body.total_room_count_estimate).toBe(ROOMS);
      expect(res.body.chunk.map((c) => c.num_joined_members)).toEqual([...res.body.chunk.map((c) => c.num_joined_members)].sort((a, b) => b - a));
    });

    test('next_batch walks every room once, in order; prev_batch walks back through the same pages', async () => {
      const pages: Page[] = [];
      let since: string | undefined;
      do {
        const res = await pagedHs.request<Page>('GET', v3(`/publicRooms?limit=4${since ? `&since=${encodeURIComponent(since)}` : ''}`));
        expect(res.status).toBe(200);
        expect(res.body.total_room_count_estimate).toBe(ROOMS);
        pages.push(res.body);
        since = res.body.next_batch;
      } while (since !== undefined);
      expect(pages.map((p) => p.chunk.length)).toEqual([4, 4, 4, 1]);
      expect(pages.flatMap(ids)).toEqual(expected);
      expect(pages[0].prev_batch).toBeUndefined();
      for (const page of pages.slice(1)) expect(page.prev_batch).toBeDefined();

      // Backwards from the last page: the same pages in reverse, and no prev_batch on the first.
      for (let i = pages.length - 1; i > 0; i--) {
        const back = await pagedHs.request<Page>('GET', v3(`/publicRooms?limit=4&since=${encodeURIComponent(pages[i].prev_batch!)}`));
        expect(ids(back.body)).toEqual(ids(pages[i - 1]));
        expect(back.body.next_batch).toBeDefined();
        expect(back.body.prev_batch === undefined).toBe(i === 1);
      }
    });

    test('tokens are stable: the same since gives the same page', async () => {
      const first = await pagedHs.request<Page>('GET', v3('/publicRooms?limit=5'));
      const since = encodeURIComponent(first.body.next_batch!);
      const a = await pagedHs.request<Page>('GET', v3(`/publicRooms?limit=5&since=${since}`));
      const b = await pagedHs.request<Page>('GET', v3(`/publicRooms?limit=5&since=${since}`));
      expect(a.body).toEqual(b.body);
      expect(ids(a.body)).toEqual(expected.slice(5, 10));
    });

    test('a room published between pages neither repeats nor shifts the rooms after the token', async () => {
      const first = await pagedHs.request<Page>('GET', v3('/publicRooms?limit=3'));
      const owner = await pagedHs.createUser('late');
      const late = await createRoom(pagedHs, owner, { visibility: 'public', preset: 'public_chat' });
      const rest = await pagedHs.request<Page>('GET', v3(`/publicRooms?since=${encodeURIComponent(first.body.next_batch!)}`));
      const seen = [...ids(first.body), ...ids(rest.body)];
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((id) => id !== late)).toEqual(expected);
      await pagedHs.request('PUT', v3(`/directory/list/room/${encodeURIComponent(late)}`), { token: owner.access_token, body: { visibility: 'private' } });
    });

    test('pagination with a filter pages through the matches only', async () => {
      // "room 1", "room 10", "room 11", "room 12" contain "room 1".
      const body = { filter: { generic_search_term: 'ROOM 1' }, limit: 3 };
      const first = await pagedHs.request<Page>('POST', v3('/publicRooms'), { token: (await pagedHs.createUser('searcher')).access_token, body });
      expect(first.body.total_room_count_estimate).toBe(4);
      expect(first.body.chunk).toHaveLength(3);
      const token = first.body.next_batch!;
      const second = await pagedHs.request<Page>('POST', v3('/publicRooms'), {
        token: (await pagedHs.createUser('searcher2')).access_token,
        body: { ...body, since: token },
      });
      const all = [...first.body.chunk, ...second.body.chunk];
      expect(all.map((c) => c.name).sort()).toEqual(['room 1', 'room 10', 'room 11', 'room 12']);
      expect(second.body.next_batch).toBeUndefined();
      expect(all.map((c) => c.room_id)).toEqual(expected.filter((id) => all.some((c) => c.room_id === id)));
    });
  });
});
