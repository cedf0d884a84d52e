/** Sending (txn idempotency, limits), redaction, GET event, room state GET/PUT, members. */
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type Credentials, type TestServer } from '../support/test-server.js';
import { createRoom, invite, joinRoom, leaveRoom, nextTxnId, sendMessage, sendState } from '../support/rooms.js';

const enc = encodeURIComponent;
type ClientEvent = { type: string; state_key?: string; content: Record<string, unknown>; event_id: string; sender: string; unsigned?: Record<string, unknown> };

describe.each(DB_KINDS)('events and state on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;
  let roomId: string;
  beforeAll(async () => {
    hs = await startTestServer(kind, { config: { max_request_body_size: 1024 * 1024 } });
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
    carol = await hs.createUser('carol');
    roomId = await createRoom(hs, alice, { preset: 'public_chat', room_version: '11', name: 'Room' });
    await joinRoom(hs, bob, roomId);
  });
  afterAll(() => hs.close());

  const room = (path: string, id = roomId) => v3(`/rooms/${enc(id)}${path}`);
  const eventCount = async () => Number((await hs.db.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE room_id = $1', [roomId])).rows[0]!.n);

  test('send is idempotent per (device, txnId); another device gets a new event', async () => {
    const txn = nextTxnId();
    const put = (user: Credentials) => hs.request<{ event_id: string }>('PUT', room(`/send/m.room.message/${txn}`), { token: user.access_token, body: { msgtype: 'm.text', body: 'once' } });
    const first = await put(alice);
    expect(first.status).toBe(200);
    const before = await eventCount();
    const retry = await put(alice);
    expect(retry.body.event_id).toBe(first.body.event_id);
    expect(await eventCount()).toBe(before);
    const other = await hs.createUser('alice2');
    await joinRoom(hs, other, roomId);
    const fromOther = await put(other);
    expect(fromOther.body.event_id).not.toBe(first.body.event_id);

    const event = await hs.request<ClientEvent>('GET', room(`/event/${enc(first.body.event_id)}`), { token: alice.access_token });
    expect(event.body).toMatchObject({ type: 'm.room.message', content: { body: 'once' }, sender: alice.user_id, unsigned: { transaction_id: txn } });
    const seenByBob = await hs.request<ClientEvent>('GET', room(`/event/${enc(first.body.event_id)}`), { token: bob.access_token });
    expect(seenByBob.body.unsigned?.transaction_id).toBeUndefined();
  });

  test('limits: 413 over 65536 bytes, 400 for a type over 255 bytes, bad canonical JSON; nothing written', async () => {
    const before = await eventCount();
    const big = await hs.request('PUT', room(`/send/m.room.message/${nextTxnId()}`), { token: alice.access_token, body: { body: 'x'.repeat(66_000) } });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ errcode: 'M_TOO_LARGE' });
    const longType = await hs.request('PUT', room(`/send/${'t'.repeat(256)}/${nextTxnId()}`), { token: alice.access_token, body: {} });
    expect(longType.status).toBe(400);
    const longKey = await hs.request('PUT', room(`/state/m.custom/${'k'.repeat(256)}`), { token: alice.access_token, body: {} });
    expect(longKey.status).toBe(400);
    const float = await hs.request('PUT', room(`/send/m.room.message/${nextTxnId()}`), { token: alice.access_token, raw: '{"n": 1.5}', headers: { 'Content-Type': 'application/json' } });
    expect(float.body).toMatchObject({ errcode: 'M_BAD_JSON' });
    const notObject = await hs.request('PUT', room(`/send/m.room.message/${nextTxnId()}`), { token: alice.access_token, body: [1] });
    expect(notObject.body).toMatchObject({ errcode: 'M_BAD_JSON' });
    expect(await eventCount()).toBe(before);
  });

  test('non-members cannot send; unknown rooms 404; malformed ids 400', async () => {
    const res = await hs.request('PUT', room(`/send/m.room.message/${nextTxnId()}`), { token: carol.access_token, body: { body: 'x' } });
    expect(res.status).toBe(403);
    expect((await hs.request('PUT', room(`/send/m.room.message/t1`, `!unknown:${SERVER_NAME}`), { token: alice.access_token, body: {} })).status).toBe(404);
    expect((await hs.request('PUT', room(`/send/m.room.message/t1`, 'bad'), { token: alice.access_token, body: {} })).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await hs.request('GET', room('/event/not-an-event'), { token: alice.access_token })).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await hs.request('GET', room(`/event/${enc(`$${'A'.repeat(43)}`)}`), { token: alice.access_token })).status).toBe(404);
  });

  test('GET event carries unsigned.membership and bundled aggregations, like every timeline API', async () => {
    const root = await sendMessage(hs, alice, roomId, 'thread root');
    const replyTxn = nextTxnId();
    const reply = await hs.request<{ event_id: string }>('PUT', room(`/send/m.room.message/${replyTxn}`), {
      token: bob.access_token,
      body: { msgtype: 'm.text', body: 'in thread', 'm.relates_to': { rel_type: 'm.thread', event_id: root } },
    });
    expect(reply.status).toBe(200);
    const event = await hs.request<ClientEvent>('GET', room(`/event/${enc(root)}`), { token: alice.access_token });
    expect(event.status).toBe(200);
    expect(event.body.unsigned).toMatchObject({
      membership: 'join',
      'm.relations': { 'm.thread': { count: 1, current_user_participated: true, latest_event: { event_id: reply.body.event_id } } },
    });
  });

  test('redaction: own events, others only with power; the redacted content is gone with redacted_because', async () => {
    const mine = await sendMessage(hs, bob, roomId, 'secret');
    const aliceMsg = await sendMessage(hs, alice, roomId, 'admin says');
    const before = await eventCount();
    const denied = await hs.request('PUT', room(`/redact/${enc(aliceMsg)}/${nextTxnId()}`), { token: bob.access_token, body: {} });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    expect(await eventCount()).toBe(before);
    const still = await hs.request<ClientEvent>('GET', room(`/event/${enc(aliceMsg)}`), { token: alice.access_token });
    expect(still.body.content).toMatchObject({ body: 'admin says' });
    const txn = nextTxnId();
    const redacted = await hs.request<{ event_id: string }>('PUT', room(`/redact/${enc(mine)}/${txn}`), { token: bob.access_token, body: { reason: 'oops' } });
    expect(redacted.status).toBe(200);
    const again = await hs.request<{ event_id: string }>('PUT', room(`/redact/${enc(mine)}/${txn}`), { token: bob.access_token, body: { reason: 'oops' } });
    expect(again.body.event_id).toBe(redacted.body.event_id);
    const event = await hs.request<ClientEvent>('GET', room(`/event/${enc(mine)}`), { token: alice.access_token });
    expect(event.body.content).toEqual({});
    expect(event.body.unsigned?.redacted_because).toMatchObject({ event_id: redacted.body.event_id, content: { reason: 'oops', redacts: mine } });
    expect((await hs.request('PUT', room(`/redact/not-an-id/${nextTxnId()}`), { token: bob.access_token, body: {} })).status).toBe(400);
  });

  test('state: GET all, GET one (content or format=event), PUT with power only', async () => {
    const all = await hs.request<ClientEvent[]>('GET', room('/state'), { token: bob.access_token });
    expect(all.body.map((e) => e.type)).toEqual(expect.arrayContaining(['m.room.create', 'm.room.power_levels', 'm.room.name']));
    expect((await hs.request('GET', room('/state/m.room.name'), { token: bob.access_token })).body).toEqual({ name: 'Room' });
    expect((await hs.request('GET', room('/state/m.room.name/'), { token: bob.access_token })).body).toEqual({ name: 'Room' });
    const full = await hs.request<ClientEvent>('GET', room('/state/m.room.name/?format=event'), { token: bob.access_token });
    expect(full.body).toMatchObject({ type: 'm.room.name', state_key: '', content: { name: 'Room' }, sender: alice.user_id });
    expect((await hs.request('GET', room('/state/m.room.topic'), { token: bob.access_token })).body).toMatchObject({ errcode: 'M_NOT_FOUND' });

    const before = await eventCount();
    const denied = await hs.request('PUT', room('/state/m.room.name'), { token: bob.access_token, body: { name: 'Bob was here' } });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    expect(await eventCount()).toBe(before);

    await sendState(hs, alice, roomId, 'm.room.name', '', { name: 'Renamed' });
    // Read-your-writes: the next read sees it.
    expect((await hs.request('GET', room('/state/m.room.name'), { token: bob.access_token })).body).toEqual({ name: 'Renamed' });
    await sendState(hs, alice, roomId, 'm.custom', 'with/slash', { v: 1 });
    expect((await hs.request('GET', room(`/state/m.custom/${enc('with/slash')}`), { token: bob.access_token })).body).toEqual({ v: 1 });

    const badAlias = await hs.request('PUT', room('/state/m.room.canonical_alias'), { token: alice.access_token, body: { alias: `#nowhere:${SERVER_NAME}` } });
    expect(badAlias.body).toMatchObject({ errcode: 'M_BAD_ALIAS' });
  });

  test('state and members of a room one is not in: 403; after leaving: as it was when one left', async () => {
    const other = await createRoom(hs, alice, { name: 'Private' });
    for (const path of ['/state', '/state/m.room.name', '/members', '/joined_members']) {
      const res = await hs.request('GET', room(path, other), { token: carol.access_token });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    }
    await invite(hs, alice, other, carol.user_id);
    await joinRoom(hs, carol, other);
    await leaveRoom(hs, carol, other);
    await sendState(hs, alice, other, 'm.room.name', '', { name: 'After' });
    expect((await hs.request('GET', room('/state/m.room.name', other), { token: carol.access_token })).body).toEqual({ name: 'Private' });
    expect((await hs.request('GET', room('/joined_members', other), { token: carol.access_token })).status).toBe(403);
  });

  test('members with membership / not_membership filters and at', async () => {
    const other = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, other);
    const { rows } = await hs.db.query<{ s: string }>('SELECT max(stream_ordering) AS s FROM events WHERE room_id = $1', [other]);
    const at = `s${rows[0]!.s}`;
    await invite(hs, alice, other, carol.user_id);
    const members = async (query: string) =>
      (await hs.request<{ chunk: ClientEvent[] }>('GET', room(`/members${query}`, other), { token: bob.access_token })).body.chunk
        .map((e) => `${e.state_key}:${e.content.membership}`)
        .sort();
    expect(await members('')).toEqual([`${alice.user_id}:join`, `${bob.user_id}:join`, `${carol.user_id}:invite`]);
    expect(await members('?membership=invite')).toEqual([`${carol.user_id}:invite`]);
    expect(await members('?not_membership=invite')).toEqual([`${alice.user_id}:join`, `${bob.user_id}:join`]);
    expect(await members(`?at=${at}`)).toEqual([`${alice.user_id}:join`, `${bob.user_id}:join`]);
    expect((await hs.request('GET', room('/members?membership=dancing', other), { token: bob.access_token })).status).toBe(400);
    const joined = await hs.request<{ joined: Record<string, unknown> }>('GET', room('/joined_members', other), { token: bob.access_token });
    expect(joined.body.joined).toEqual({ [alice.user_id]: { display_name: 'alice' }, [bob.user_id]: { display_name: 'bob' } });
  });
});
