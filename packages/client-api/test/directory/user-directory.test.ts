/** POST /user_directory/search: who a searcher may find, matching, ranking, limits, bad input. */
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type Credentials, type TestServer } from '../support/test-server.js';
import { createRoom, invite, joinRoom, leaveRoom, sendState } from '../support/rooms.js';

interface Result {
  user_id: string;
  display_name?: string;
  avatar_url?: string;
}
interface SearchReply {
  results: Result[];
  limited: boolean;
  errcode?: string;
}

const enc = encodeURIComponent;

describe.each(DB_KINDS)('user directory on %s', (kind) => {
  let hs: TestServer;
  const u: Record<string, Credentials> = {};

  async function setProfile(user: Credentials, field: 'displayname' | 'avatar_url', value: string): Promise<void> {
    const res = await hs.request('PUT', v3(`/profile/${enc(user.user_id)}/${field}`), { token: user.access_token, body: { [field]: value } });
    expect(res.status).toBe(200);
  }

  beforeAll(async () => {
    hs = await startTestServer(kind);
    const names = ['searcher', 'bob', 'carol.jones', 'dave', 'erin', 'frank', 'grace', 'sam', 'samantha', 'zed', 'gone'];
    for (const n of names) u[n] = await hs.createUser(n);
    await setProfile(u.bob, 'displayname', 'Robert Tables');
    await setProfile(u.bob, 'avatar_url', 'mxc://example.org/bobby');
    await setProfile(u.dave, 'displayname', 'Hidden Dave');

    // A private room the searcher shares with bob and grace.
    const shared = await createRoom(hs, u.searcher, { preset: 'private_chat' });
    for (const n of ['bob', 'grace']) {
      await invite(hs, u.searcher, shared, u[n].user_id);
      await joinRoom(hs, u[n], shared);
    }
    // A public room the searcher is not in.
    const open = await createRoom(hs, u.zed, { preset: 'public_chat' });
    for (const n of ['carol.jones', 'sam', 'samantha', 'gone']) await joinRoom(hs, u[n], open);
    // Invite-only rooms without the searcher: one private, one world-readable.
    const hidden = await createRoom(hs, u.dave, { preset: 'private_chat' });
    await sendState(hs, u.dave, hidden, 'm.room.name', '', { name: 'secret' });
    await createRoom(hs, u.erin, {
      preset: 'private_chat',
      initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'world_readable' } }],
    });
    // frank is in no room at all; gone is deactivated.
    await hs.db.query('UPDATE users SET deactivated = TRUE WHERE user_id = $1', [u.gone.user_id]);
  });
  afterAll(() => hs.close());

  const search = (body: unknown, user: Credentials = u.searcher) =>
    hs.request<SearchReply>('POST', v3('/user_directory/search'), { token: user.access_token, body });
  const found = async (term: string, user?: Credentials) => (await search({ search_term: term, limit: 50 }, user)).body.results.map((r) => r.user_id);

  test('finds users sharing a room, in public rooms, and in world-readable rooms; nobody else', async () => {
    const everyone = await found(SERVER_NAME);
    expect(everyone.sort()).toEqual(
      ['searcher', 'bob', 'grace', 'zed', 'carol.jones', 'sam', 'samantha', 'erin'].map((n) => u[n].user_id).sort(),
    );
    for (const hidden of ['dave', 'frank', 'gone']) expect(everyone).not.toContain(u[hidden].user_id);
    expect(await found('dave')).toEqual([]);
    expect(await found('hidden')).toEqual([]);
  });

  test('results carry the profile: display_name and avatar_url when set', async () => {
    const { body } = await search({ search_term: 'bob' });
    expect(body).toEqual({ results: [{ user_id: u.bob.user_id, display_name: 'Robert Tables', avatar_url: 'mxc://example.org/bobby' }], limited: false });
    expect((await search({ search_term: 'zed' })).body.results).toEqual([{ user_id: u.zed.user_id, display_name: 'zed' }]);
  });

  test('matching: word prefixes of the user id and display name, case-insensitive, every word', async () => {
    expect(await found('ROB')).toEqual([u.bob.user_id]);
    expect(await found('tab')).toEqual([u.bob.user_id]);
    expect(await found('robert tab')).toEqual([u.bob.user_id]);
    expect(await found('robert carol')).toEqual([]);
    expect(await found('jones')).toEqual([u['carol.jones'].user_id]);
    expect(await found(`@carol.jones:${SERVER_NAME}`)).toEqual([u['carol.jones'].user_id]);
    // Inside a word is not a match.
    expect(await found('obert')).toEqual([]);
    expect(await found('')).toEqual([]);
    expect(await found('@:')).toEqual([]);
  });

  test('ranking: an exact match comes before a prefix match', async () => {
    expect(await found('sam')).toEqual([u.sam.user_id, u.samantha.user_id]);
  });

  test('limit: default 10, results truncated with limited: true', async () => {
    const res = await search({ search_term: SERVER_NAME, limit: 3 });
    expect(res.body.results).toHaveLength(3);
    expect(res.body.limited).toBe(true);
    const exact = await search({ search_term: 'samantha', limit: 1 });
    expect(exact.body).toMatchObject({ limited: false, results: [{ user_id: u.samantha.user_id }] });
    expect((await search({ search_term: SERVER_NAME })).body.results).toHaveLength(8);
  });

  test('membership changes are seen by the next search', async () => {
    const room = await createRoom(hs, u.frank, { preset: 'private_chat' });
    await invite(hs, u.frank, room, u.searcher.user_id);
    expect(await found('frank')).toEqual([]);
    await joinRoom(hs, u.searcher, room);
    expect(await found('frank')).toEqual([u.frank.user_id]);
    await leaveRoom(hs, u.searcher, room);
    expect(await found('frank')).toEqual([]);
  });

  test('another searcher sees according to their own rooms', async () => {
    // dave shares no room with bob or grace, whose only room is private.
    expect(await found('bob', u.dave)).toEqual([]);
    expect(await found('grace', u.dave)).toEqual([]);
    expect(await found('hidden', u.dave)).toEqual([u.dave.user_id]);
    expect(await found('carol', u.dave)).toEqual([u['carol.jones'].user_id]);
  });

  test('bad input: 400 for a missing or mistyped field, 401 without a token', async () => {
    const missing = await search({});
    expect([missing.status, missing.body.errcode]).toEqual([400, 'M_MISSING_PARAM']);
    for (const body of [{ search_term: 5 }, { search_term: 'x', limit: 'ten' }, { search_term: 'x', limit: 2.5 }]) {
      const res = await search(body);
      expect([res.status, res.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    }
    const anonymous = await hs.request('POST', v3('/user_directory/search'), { body: { search_term: 'bob' } });
    expect(anonymous.status).toBe(401);
  });
});
