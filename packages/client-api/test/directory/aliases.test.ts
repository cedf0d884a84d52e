/** Room aliases: PUT/GET/DELETE /directory/room/{alias}, GET /rooms/{id}/aliases, m.room.canonical_alias validation and upkeep. */
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type Credentials, type TestServer } from '../support/test-server.js';
import { createRoom, joinRoom, sendState } from '../support/rooms.js';

const enc = encodeURIComponent;
const aliasPath = (alias: string) => v3(`/directory/room/${enc(alias)}`);
let counter = 0;
/** A fresh local alias per test. */
const newAlias = (name: string) => `#${name}${++counter}:${SERVER_NAME}`;

describe.each(DB_KINDS)('room aliases on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials; // creates the rooms (power 100)
  let bob: Credentials; // joins the public room (power 0)
  let carol: Credentials; // in no room
  let admin: Credentials; // server admin, in no room
  let publicRoom: string;
  let otherRoom: string;

  beforeAll(async () => {
    hs = await startTestServer(kind);
    [alice, bob, carol, admin] = await Promise.all(['alice', 'bob', 'carol', 'admin'].map((n) => hs.createUser(n)));
    await hs.db.query('UPDATE users SET admin = TRUE WHERE user_id = $1', [admin.user_id]);
    publicRoom = await createRoom(hs, alice, { preset: 'public_chat' });
    otherRoom = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, publicRoom);
  });
  afterAll(() => hs.close());

  const put = (user: Credentials | undefined, alias: string, body: unknown) =>
    hs.request('PUT', aliasPath(alias), { token: user?.access_token, body });
  const get = (alias: string) => hs.request<{ room_id: string; servers: string[] }>('GET', aliasPath(alias));
  const del = (user: Credentials | undefined, alias: string) => hs.request('DELETE', aliasPath(alias), { token: user?.access_token });
  const canonicalAlias = async (roomId: string) =>
    (await hs.request('GET', v3(`/rooms/${enc(roomId)}/state/m.room.canonical_alias/`), { token: alice.access_token })).body;

  describe('PUT /directory/room/{roomAlias}', () => {
    test('a member maps an alias; anyone resolves it, with this server first in servers', async () => {
      const alias = newAlias('general');
      expect(await put(bob, alias, { room_id: publicRoom })).toMatchObject({ status: 200, body: {} });
      const res = await get(alias);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ room_id: publicRoom, servers: [SERVER_NAME] });
      const row = await hs.db.query('SELECT creator FROM room_aliases WHERE room_alias = $1', [alias]);
      expect(row.rows).toEqual([{ creator: bob.user_id }]);
    });

    test('a taken alias is 409 M_UNKNOWN and keeps pointing where it did', async () => {
      const alias = newAlias('taken');
      await put(alice, alias, { room_id: publicRoom });
      const res = await put(alice, alias, { room_id: otherRoom });
      expect(res.status).toBe(409);
      expect(res.body.errcode).toBe('M_UNKNOWN');
      expect((await get(alias)).body.room_id).toBe(publicRoom);
    });

    test('bad aliases and bodies are 400 and write nothing', async () => {
      const cases: Array<[string, unknown, string]> = [
        ['#no-domain', { room_id: publicRoom }, 'M_INVALID_PARAM'],
        ['no-sigil:' + SERVER_NAME, { room_id: publicRoom }, 'M_INVALID_PARAM'],
        ['#' + 'x'.repeat(260) + ':' + SERVER_NAME, { room_id: publicRoom }, 'M_INVALID_PARAM'],
        ['#elsewhere:other.example', { room_id: publicRoom }, 'M_UNKNOWN'],
        [newAlias('nobody'), {}, 'M_MISSING_PARAM'],
        [newAlias('badid'), { room_id: 'not-a-room' }, 'M_INVALID_PARAM'],
        [newAlias('numeric'), { room_id: 12 }, 'M_INVALID_PARAM'],
      ];
      for (const [alias, body, errcode] of cases) {
        const res = await put(alice, alias, body);
        expect([alias, res.status, res.body.errcode]).toEqual([alias, 400, errcode]);
      }
      const { rows } = await hs.db.query('SELECT count(*)::int AS n FROM room_aliases WHERE room_alias = ANY($1::text[])', [cases.map((c) => c[0])]);
      expect(rows[0]).toEqual({ n: 0 });
    });

    test('an unknown room is 404; an outsider is 403; a server admin may map any room', async () => {
      const unknown = await put(alice, newAlias('ghost'), { room_id: `!nothere:${SERVER_NAME}` });
      expect([unknown.status, unknown.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
      const alias = newAlias('outsider');
      const outsider = await put(carol, alias, { room_id: publicRoom });
      expect([outsider.status, outsider.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
      expect((await get(alias)).status).toBe(404);
      expect((await put(admin, alias, { room_id: publicRoom })).status).toBe(200);
      expect((await get(alias)).body.room_id).toBe(publicRoom);
    });

    test('needs an access token', async () => {
      const res = await put(undefined, newAlias('anon'), { room_id: publicRoom });
      expect([res.status, res.body.errcode]).toEqual([401, 'M_MISSING_TOKEN']);
    });

    test('createRoom room_alias_name maps the alias to the new room', async () => {
      const roomId = await createRoom(hs, alice, { room_alias_name: `created${++counter}` });
      expect((await get(`#created${counter}:${SERVER_NAME}`)).body).toEqual({ room_id: roomId, servers: [SERVER_NAME] });
    });
  });

  describe('GET /directory/room/{roomAlias}', () => {
    test('unknown and remote aliases are 404 M_NOT_FOUND; malformed ones 400', async () => {
      const unknown = await get(newAlias('unknown'));
      expect([unknown.status, unknown.body]).toEqual([404, expect.objectContaining({ errcode: 'M_NOT_FOUND' })]);
      expect((await get('#room:remote.example')).status).toBe(404);
      const bad = await get('#nodomain');
      expect([bad.status, (bad.body as unknown as { errcode: string }).errcode]).toEqual([400, 'M_INVALID_PARAM']);
    });
  });

  describe('DELETE /directory/room/{roomAlias}', () => {
    test('a member who neither created the alias nor moderates the room gets 403; the alias stays', async () => {
      const alias = newAlias('keep');
      await put(alice, alias, { room_id: publicRoom });
      const res = await del(bob, alias);
      expect([res.status, res.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
      expect((await get(alias)).status).toBe(200);
    });

    test('the creator of the alias, a room moderator and a server admin may delete it', async () => {
      for (const [creator, deleter] of [
        [bob, bob],
        [bob, alice],
        [alice, admin],
      ]) {
        const alias = newAlias('gone');
        await put(creator, alias, { room_id: publicRoom });
        expect((await del(deleter, alias)).status).toBe(200);
        expect((await get(alias)).status).toBe(404);
      }
    });

    test('unknown alias is 404, unauthenticated is 401', async () => {
      expect((await del(alice, newAlias('never'))).body.errcode).toBe('M_NOT_FOUND');
      expect((await del(alice, '#x:remote.example')).status).toBe(404);
      const alias = newAlias('anon');
      await put(alice, alias, { room_id: publicRoom });
      expect((await del(undefined, alias)).status).toBe(401);
      expect((await get(alias)).status).toBe(200);
    });

    test('deleting an alias drops it from m.room.canonical_alias (alias and alt_aliases)', async () => {
      const [main, alt1, alt2] = [newAlias('main'), newAlias('alt'), newAlias('alt')];
      for (const a of [main, alt1, alt2]) await put(alice, a, { room_id: otherRoom });
      await sendState(hs, alice, otherRoom, 'm.room.canonical_alias', '', { alias: main, alt_aliases: [alt1, alt2] });

      expect((await del(alice, alt1)).status).toBe(200);
      expect(await canonicalAlias(otherRoom)).toEqual({ alias: main, alt_aliases: [alt2] });
      expect((await del(alice, main)).status).toBe(200);
      expect(await canonicalAlias(otherRoom)).toEqual({ alt_aliases: [alt2] });
      expect((await del(alice, alt2)).status).toBe(200);
      expect(await canonicalAlias(otherRoom)).toEqual({});
    });

    test('without power over m.room.canonical_alias the alias is still deleted and the event left alone', async () => {
      const alias = newAlias('bobs');
      await put(bob, alias, { room_id: publicRoom });
      await sendState(hs, alice, publicRoom, 'm.room.canonical_alias', '', { alias });
      expect((await del(bob, alias)).status).toBe(200);
      expect((await get(alias)).status).toBe(404);
      expect(await canonicalAlias(publicRoom)).toEqual({ alias });
    });
  });

  describe('GET /rooms/{roomId}/aliases', () => {
    const list = (user: Credentials, roomId: string) =>
      hs.request<{ aliases: string[] }>('GET', v3(`/rooms/${enc(roomId)}/aliases`), { token: user.access_token });

    test('members get the local aliases; outsiders 403 unless the history is world-readable', async () => {
      const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
      const aliases = [newAlias('b'), newAlias('a')];
      for (const a of aliases) await put(alice, a, { room_id: roomId });
      expect((await list(alice, roomId)).body).toEqual({ aliases: [...aliases].sort() });

      const outsider = await list(carol, roomId);
      expect([outsider.status, (outsider.body as unknown as { errcode: string }).errcode]).toEqual([403, 'M_FORBIDDEN']);
      await sendState(hs, alice, roomId, 'm.room.history_visibility', '', { history_visibility: 'world_readable' });
      expect((await list(carol, roomId)).body).toEqual({ aliases: [...aliases].sort() });
    });

    test('a room without aliases lists none; a server admin may look; bad ids are 400, unknown rooms 403', async () => {
      const roomId = await createRoom(hs, alice);
      expect((await list(alice, roomId)).body).toEqual({ aliases: [] });
      expect((await list(admin, roomId)).status).toBe(200);
      expect((await list(alice, 'nonsense')).status).toBe(400);
      expect((await list(alice, `!missing:${SERVER_NAME}`)).status).toBe(403);
    });
  });

  describe('m.room.canonical_alias validation (PUT state)', () => {
    const putCanonical = (roomId: string, content: Record<string, unknown>) =>
      hs.request('PUT', v3(`/rooms/${enc(roomId)}/state/m.room.canonical_alias/`), { token: alice.access_token, body: content });

    test('aliases that exist and point to the room are accepted', async () => {
      const [main, alt] = [newAlias('canon'), newAlias('canonalt')];
      await put(alice, main, { room_id: otherRoom });
      await put(alice, alt, { room_id: otherRoom });
      expect((await putCanonical(otherRoom, { alias: main, alt_aliases: [alt] })).status).toBe(200);
      expect(await canonicalAlias(otherRoom)).toEqual({ alias: main, alt_aliases: [alt] });
      expect((await putCanonical(otherRoom, {})).status).toBe(200);
    });

    test('unknown aliases, aliases of another room and remote aliases are 400 M_BAD_ALIAS; nothing is sent', async () => {
      const elsewhere = newAlias('elsewhere');
      await put(alice, elsewhere, { room_id: publicRoom });
      const before = await canonicalAlias(otherRoom);
      for (const content of [
        { alias: newAlias('missing') },
        { alias: elsewhere },
        { alt_aliases: [elsewhere] },
        { alias: '#remote:other.example' },
      ]) {
        const res = await putCanonical(otherRoom, content);
        expect([res.status, res.body.errcode]).toEqual([400, 'M_BAD_ALIAS']);
      }
      expect(await canonicalAlias(otherRoom)).toEqual(before);
    });

    test('malformed aliases are 400 M_INVALID_PARAM', async () => {
      for (const content of [{ alias: 'nope' }, { alias: 5 }, { alt_aliases: '#a:b.c' }, { alt_aliases: [3] }, { alt_aliases: ['#no-domain'] }]) {
        const res = await putCanonical(otherRoom, content);
        expect([res.status, res.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
      }
    });

    test('aliases already advertised are not re-checked', async () => {
      const alias = newAlias('moving');
      await put(alice, alias, { room_id: otherRoom });
      expect((await putCanonical(otherRoom, { alias })).status).toBe(200);
      // The alias moves to another room; the room can still change other fields of its event.
      await hs.db.query('UPDATE room_aliases SET room_id = $2 WHERE room_alias = $1', [alias, publicRoom]);
      expect((await putCanonical(otherRoom, { alias, alt_aliases: [] })).status).toBe(200);
    });
  });
});
