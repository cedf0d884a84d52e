/** POST /createRoom: presets, options, room versions, event order, bad input. */
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type Credentials, type TestServer } from '../support/test-server.js';
import { createRoom } from '../support/rooms.js';

type ClientEvent = { type: string; state_key?: string; content: Record<string, unknown>; event_id: string; room_id: string; sender: string };

const enc = encodeURIComponent;

describe.each(DB_KINDS)('createRoom on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;
  beforeAll(async () => {
    hs = await startTestServer(kind, { config: { max_request_body_size: 1024 * 1024 } });
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
    carol = await hs.createUser('carol');
  });
  afterAll(() => hs.close());

  async function state(roomId: string, user = alice): Promise<ClientEvent[]> {
    const res = await hs.request<ClientEvent[]>('GET', v3(`/rooms/${enc(roomId)}/state`), { token: user.access_token });
    expect(res.status).toBe(200);
    return res.body;
  }
  const content = (events: ClientEvent[], type: string, stateKey = '') => events.find((e) => e.type === type && e.state_key === stateKey)?.content;

  /** The room's events in DAG order, oldest first, straight from the store. */
  async function timeline(roomId: string): Promise<ClientEvent[]> {
    const { rows } = await hs.db.query<{ json: string }>('SELECT json FROM events WHERE room_id = $1 ORDER BY stream_ordering', [roomId]);
    return rows.map((r) => JSON.parse(r.json) as ClientEvent);
  }
  const count = async (sql: string) => Number((await hs.db.query<{ n: string }>(sql)).rows[0]!.n);

  test('private_chat (the default): invite join rule, shared history, guests can join, creator at 100', async () => {
    const roomId = await createRoom(hs, alice);
    const events = await state(roomId);
    expect(content(events, 'm.room.join_rules')).toEqual({ join_rule: 'invite' });
    expect(content(events, 'm.room.history_visibility')).toEqual({ history_visibility: 'shared' });
    expect(content(events, 'm.room.guest_access')).toEqual({ guest_access: 'can_join' });
    const pl = content(events, 'm.room.power_levels')!;
    expect(pl.invite).toBe(0);
    expect(content(events, 'm.room.create')).toMatchObject({ room_version: hs.ctx.config.default_room_version });
    expect(content(events, 'm.room.member', alice.user_id)).toEqual({ membership: 'join', displayname: 'alice' });
    expect(await count(`SELECT count(*) AS n FROM rooms WHERE is_public AND room_id = '${roomId}'`)).toBe(0);
  });

  test('public_chat via visibility: public join rule, forbidden guests, published in the directory', async () => {
    const roomId = await createRoom(hs, alice, { visibility: 'public', room_version: '10' });
    const events = await state(roomId);
    expect(content(events, 'm.room.join_rules')).toEqual({ join_rule: 'public' });
    expect(content(events, 'm.room.history_visibility')).toEqual({ history_visibility: 'shared' });
    expect(content(events, 'm.room.guest_access')).toEqual({ guest_access: 'forbidden' });
    expect(content(events, 'm.room.power_levels')).toMatchObject({ users: { [alice.user_id]: 100 }, invite: 50, state_default: 50 });
    expect(await count(`SELECT count(*) AS n FROM rooms WHERE is_public AND room_id = '${roomId}'`)).toBe(1);
  });

  test('trusted_private_chat gives invitees the creator power level (v10) or makes them creators (v12)', async () => {
    const v10 = await createRoom(hs, alice, { preset: 'trusted_private_chat', invite: [bob.user_id], room_version: '10' });
    const pl10 = content(await state(v10), 'm.room.power_levels')!;
    expect(pl10.users).toEqual({ [alice.user_id]: 100, [bob.user_id]: 100 });

    const v12 = await createRoom(hs, alice, { preset: 'trusted_private_chat', invite: [bob.user_id], room_version: '12' });
    const events = await state(v12);
    expect(content(events, 'm.room.power_levels')!.users).toEqual({});
    expect(content(events, 'm.room.create')).toMatchObject({ additional_creators: [bob.user_id], room_version: '12' });
    expect(content(events, 'm.room.member', bob.user_id)).toMatchObject({ membership: 'invite' });
  });

  test('the events come in the order the spec requires', async () => {
    const roomId = await createRoom(hs, alice, {
      room_version: '11',
      room_alias_name: 'ordered',
      name: 'Ordered',
      topic: 'In order',
      invite: [bob.user_id],
      is_direct: true,
      initial_state: [{ type: 'm.room.encryption', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
    });
    const types = (await timeline(roomId)).map((e) => (e.type === 'm.room.member' ? `member:${e.content.membership}` : e.type));
    expect(types).toEqual([
      'm.room.create',
      'member:join',
      'm.room.power_levels',
      'm.room.canonical_alias',
      'm.room.join_rules',
      'm.room.history_visibility',
      'm.room.guest_access',
      'm.room.encryption',
      'm.room.name',
      'm.room.topic',
      'member:invite',
    ]);
    const events = await state(roomId);
    expect(content(events, 'm.room.canonical_alias')).toEqual({ alias: `#ordered:${SERVER_NAME}` });
    expect(content(events, 'm.room.name')).toEqual({ name: 'Ordered' });
    expect(content(events, 'm.room.topic')).toMatchObject({ topic: 'In order' });
    expect(content(events, 'm.room.member', bob.user_id)).toEqual({ membership: 'invite', is_direct: true, displayname: 'bob' });
    const { rows } = await hs.db.query<{ room_id: string }>('SELECT room_id FROM room_aliases WHERE room_alias = $1', [`#ordered:${SERVER_NAME}`]);
    expect(rows).toEqual([{ room_id: roomId }]);
  });

  test('initial_state overrides the preset; name overrides initial_state; power_level_content_override applies', async () => {
    const roomId = await createRoom(hs, alice, {
      preset: 'private_chat',
      name: 'Winner',
      initial_state: [
        { type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'joined' } },
        { type: 'm.room.name', content: { name: 'Loser' } },
      ],
      power_level_content_override: { events_default: 10, users: { [alice.user_id]: 100, [carol.user_id]: 50 } },
      creation_content: { 'm.federate': false, room_version: '1', creator: '@mallory:evil' },
      room_version: '9',
    });
    const events = await state(roomId);
    expect(content(events, 'm.room.history_visibility')).toEqual({ history_visibility: 'joined' });
    expect(content(events, 'm.room.name')).toEqual({ name: 'Winner' });
    expect(content(events, 'm.room.power_levels')).toMatchObject({ events_default: 10, users: { [alice.user_id]: 100, [carol.user_id]: 50 } });
    expect(content(events, 'm.room.create')).toEqual({ 'm.federate': false, room_version: '9', creator: alice.user_id });
    expect((await timeline(roomId)).filter((e) => e.type === 'm.room.history_visibility')).toHaveLength(1);
  });

  test.each([
    ['1', /^![^:]+:test\.local$/, /^\$[^:]+:test\.local$/],
    ['3', /^![^:]+:test\.local$/, /^\$[A-Za-z0-9+/]{43}$/],
    ['6', /^![^:]+:test\.local$/, /^\$[A-Za-z0-9_-]{43}$/],
    ['10', /^![^:]+:test\.local$/, /^\$[A-Za-z0-9_-]{43}$/],
    ['11', /^![^:]+:test\.local$/, /^\$[A-Za-z0-9_-]{43}$/],
    ['12', /^![A-Za-z0-9_-]{43}$/, /^\$[A-Za-z0-9_-]{43}$/],
  ])('room version %s is creatable with its id formats', async (version, roomIdFormat, eventIdFormat) => {
    const roomId = await createRoom(hs, alice, { room_version: version, name: `v${version}` });
    expect(roomId).toMatch(roomIdFormat);
    const events = await state(roomId);
    expect(content(events, 'm.room.create')!.room_version).toBe(version);
    for (const e of events) expect(e.event_id).toMatch(eventIdFormat);
    const pl = content(events, 'm.room.power_levels')!;
    if (version === '12') {
      expect(pl.users).toEqual({});
      expect((pl.events as Record<string, number>)['m.room.tombstone']).toBe(150);
      // The v12 room id is the create event's reference hash.
      expect(roomId.slice(1)).toBe(events.find((e) => e.type === 'm.room.create')!.event_id.slice(1));
    } else {
      expect(pl.users).toEqual({ [alice.user_id]: 100 });
    }
  });

  test('every room version 1–12 can be created', async () => {
    for (let v = 1; v <= 12; v++) expect(await createRoom(hs, alice, { room_version: String(v) })).toMatch(/^!/);
  });

  describe('bad input creates nothing', () => {
    const rooms = () => count('SELECT count(*) AS n FROM rooms');
    const post = (body: unknown, user = alice) => hs.request('POST', v3('/createRoom'), { token: user.access_token, body });

    test.each([
      [{ room_version: '13' }, 400, 'M_UNSUPPORTED_ROOM_VERSION'],
      [{ room_version: 'x' }, 400, 'M_UNSUPPORTED_ROOM_VERSION'],
      [{ preset: 'party' }, 400, 'M_INVALID_PARAM'],
      [{ visibility: 'everyone' }, 400, 'M_INVALID_PARAM'],
      [{ name: 5 }, 400, 'M_INVALID_PARAM'],
      [{ invite: ['not-a-user'] }, 400, 'M_INVALID_PARAM'],
      [{ invite: '@bob:test.local' }, 400, 'M_INVALID_PARAM'],
      [{ invite: ['@nobody:test.local'] }, 400, 'M_INVALID_PARAM'],
      [{ room_alias_name: 'has:colon' }, 400, 'M_INVALID_PARAM'],
      [{ room_alias_name: 'x'.repeat(300) }, 400, 'M_INVALID_PARAM'],
      [{ initial_state: [{ type: 'm.room.name' }] }, 400, 'M_BAD_JSON'],
      [{ initial_state: {} }, 400, 'M_INVALID_PARAM'],
      [{ creation_content: [] }, 400, 'M_INVALID_PARAM'],
      [{ initial_state: [{ type: 'x'.repeat(256), content: {} }] }, 400, 'M_INVALID_PARAM'],
      [{ room_version: '10', power_level_content_override: { users: { '@alice:test.local': 0 } } }, 400, 'M_INVALID_ROOM_STATE'],
      [{ room_version: '12', power_level_content_override: { users: { '@alice:test.local': 100 } } }, 400, 'M_INVALID_ROOM_STATE'],
      [{ room_version: '10', initial_state: [{ type: 'm.room.topic', content: { topic: 'x', n: 1.5 } }] }, 400, 'M_BAD_JSON'],
    ])('%j → %d %s', async (body, status, errcode) => {
      const before = await rooms();
      const res = await post(body);
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ errcode });
      expect(await rooms()).toBe(before);
    });

    test('a taken alias is M_ROOM_IN_USE', async () => {
      await createRoom(hs, alice, { room_alias_name: 'taken' });
      const before = await rooms();
      const res = await post({ room_alias_name: 'taken' }, bob);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ errcode: 'M_ROOM_IN_USE' });
      expect(await rooms()).toBe(before);
    });

    test('an oversized initial state event is 413 M_TOO_LARGE', async () => {
      const before = await rooms();
      const res = await post({ initial_state: [{ type: 'm.big', content: { x: 'y'.repeat(70_000) } }] });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ errcode: 'M_TOO_LARGE' });
      expect(await rooms()).toBe(before);
    });

    test('non-JSON and no token', async () => {
      expect((await hs.request('POST', v3('/createRoom'), { token: alice.access_token, raw: '{', headers: { 'Content-Type': 'application/json' } })).body).toMatchObject({ errcode: 'M_NOT_JSON' });
      expect((await hs.request('POST', v3('/createRoom'), { body: {} })).status).toBe(401);
    });
  });
});
