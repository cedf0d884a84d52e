/** GET /rooms/{roomId}/messages: both directions, exact boundaries, tokens, to, filters, lazy loading, errors. */
import { DB_KINDS, v3, type Credentials, type TestServer } from '../support/test-server.js';
import { createRoom, invite, sendEvent } from '../support/rooms.js';
import { startTimelineRoom, allEventIds, enc, messages, paginateAll, sendMany } from './timeline-support.js';

const ids = (events: { event_id: string }[]) => events.map((e) => e.event_id);

describe.each(DB_KINDS)('/messages on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let eve: Credentials;
  let roomId: string;
  /** Every event of the room, oldest first. */
  let all: string[];

  beforeAll(async () => {
    ({ hs, alice, bob, eve, roomId } = await startTimelineRoom(kind));
    await sendMany(hs, alice, roomId, 150);
    await sendMany(hs, bob, roomId, 100, (i) => `bob ${i}`);
    all = await allEventIds(hs, roomId);
  });
  afterAll(() => hs.close());

  test('backwards from the end, in pages, covers every event exactly once, newest first', async () => {
    const pages = await paginateAll(hs, alice, roomId, { dir: 'b', limit: 40 });
    const seen = pages.flatMap((p) => ids(p.chunk));
    expect(seen).toEqual([...all].reverse());
    expect(pages.slice(0, -1).every((p) => p.chunk.length === 40 && p.end !== undefined)).toBe(true);
    expect(pages[pages.length - 1]!.end).toBeUndefined();
    expect(pages.length).toBe(Math.ceil(all.length / 40));
  });

  test('forwards from the start, oldest first, beginning with m.room.create', async () => {
    const pages = await paginateAll(hs, alice, roomId, { dir: 'f', limit: 64 });
    const events = pages.flatMap((p) => p.chunk);
    expect(events[0]!.type).toBe('m.room.create');
    expect(ids(events)).toEqual(all);
  });

  test('exact boundary: a limit equal to what is left omits end; one less keeps it', async () => {
    const exact = await messages(hs, alice, roomId, { dir: 'b', limit: all.length });
    expect(exact.status).toBe(200);
    expect(exact.body.chunk).toHaveLength(all.length);
    expect(exact.body.end).toBeUndefined();

    const short = await messages(hs, alice, roomId, { dir: 'b', limit: all.length - 1 });
    expect(short.body.chunk).toHaveLength(all.length - 1);
    expect(short.body.end).toBeDefined();
    const rest = await messages(hs, alice, roomId, { dir: 'b', limit: 10, from: short.body.end });
    expect(ids(rest.body.chunk)).toEqual([all[0]]);
    expect(rest.body.end).toBeUndefined();
    expect(rest.body.start).toBe(short.body.end);
  });

  test('tokens round trip: forwards from a backwards page end replays that page in order', async () => {
    const page = await messages(hs, alice, roomId, { dir: 'b', limit: 25 });
    const forward = await messages(hs, alice, roomId, { dir: 'f', limit: 25, from: page.body.end });
    expect(ids(forward.body.chunk)).toEqual(ids(page.body.chunk).reverse());
    // That page reached the newest event: nothing lies beyond it.
    expect(forward.body.end).toBeUndefined();
    // A forwards page one event short of the end keeps an end, and the next page holds that event alone.
    const shorter = await messages(hs, alice, roomId, { dir: 'f', limit: 24, from: page.body.end });
    const last = await messages(hs, alice, roomId, { dir: 'f', limit: 24, from: shorter.body.end });
    expect(ids(last.body.chunk)).toEqual([ids(page.body.chunk)[0]]);
    expect(last.body.end).toBeUndefined();
  });

  test('the start token of an unanchored backwards page sees later events going forwards', async () => {
    const page = await messages(hs, alice, roomId, { dir: 'b', limit: 5 });
    const newer = await sendEvent(hs, alice, roomId, 'm.room.message', { msgtype: 'm.text', body: 'later' });
    const forward = await messages(hs, alice, roomId, { dir: 'f', limit: 5, from: page.body.start });
    expect(ids(forward.body.chunk)).toEqual([newer]);
    all = await allEventIds(hs, roomId);
  });

  test('`to` stops the page, in both directions', async () => {
    const middle = await messages(hs, alice, roomId, { dir: 'b', limit: 100 });
    const back = await messages(hs, alice, roomId, { dir: 'b', limit: 1000, to: middle.body.end });
    expect(ids(back.body.chunk)).toEqual(ids(middle.body.chunk));
    expect(back.body.end).toBeUndefined();

    const fwd = await messages(hs, alice, roomId, { dir: 'f', limit: 1000, from: middle.body.end, to: middle.body.start });
    expect(ids(fwd.body.chunk)).toEqual(ids(middle.body.chunk).reverse());
  });

  test('limit defaults to 10 and is capped', async () => {
    const res = await messages(hs, alice, roomId, { dir: 'b' });
    expect(res.body.chunk).toHaveLength(10);
    const big = await messages(hs, alice, roomId, { dir: 'f', limit: 100000 });
    expect(big.status).toBe(200);
    expect(big.body.chunk.length).toBeLessThanOrEqual(1000);
  });

  test('a sync next_batch token is accepted as from', async () => {
    const token = `s${hs.ctx.rooms.hub.currentToken().get('events').min}_0_0_0_0_0_0_0`;
    const res = await messages(hs, alice, roomId, { dir: 'b', limit: 3, from: token });
    expect(res.status).toBe(200);
    expect(ids(res.body.chunk)).toEqual([...all].reverse().slice(0, 3));
  });

  test('filter: senders, types, not_senders and contains_url, with pages still reaching the end', async () => {
    const onlyBob = await paginateAll(hs, alice, roomId, { dir: 'b', limit: 30, filter: { senders: [bob.user_id], types: ['m.room.message'] } });
    const events = onlyBob.flatMap((p) => p.chunk);
    expect(events).toHaveLength(100);
    expect(events.every((e) => e.sender === bob.user_id && e.type === 'm.room.message')).toBe(true);

    const notAlice = await messages(hs, alice, roomId, { dir: 'f', limit: 5, filter: { not_senders: [alice.user_id] } });
    expect(notAlice.body.chunk.every((e) => e.sender !== alice.user_id)).toBe(true);
    expect(notAlice.body.chunk.length).toBeGreaterThan(0);

    const url = await sendEvent(hs, alice, roomId, 'm.room.message', { msgtype: 'm.image', body: 'pic', url: 'mxc://test.local/abc' });
    const withUrl = await messages(hs, alice, roomId, { dir: 'b', limit: 50, filter: { contains_url: true } });
    expect(ids(withUrl.body.chunk)).toEqual([url]);
    all = await allEventIds(hs, roomId);
  });

  test('lazy_load_members returns the members of the chunk senders in state', async () => {
    const res = await messages(hs, alice, roomId, { dir: 'b', limit: 120, filter: { lazy_load_members: true } });
    const senders = new Set(res.body.chunk.map((e) => e.sender));
    const members = res.body.state!;
    expect(members.every((e) => e.type === 'm.room.member')).toBe(true);
    expect(new Set(members.map((e) => e.state_key))).toEqual(senders);
    expect(members.find((e) => e.state_key === bob.user_id)!.content.membership).toBe('join');

    const without = await messages(hs, alice, roomId, { dir: 'b', limit: 5 });
    expect(without.body.state).toBeUndefined();
  });

  test('unsigned.membership carries the requester membership at each event', async () => {
    const res = await messages(hs, bob, roomId, { dir: 'f', limit: 3 });
    // Bob joined after the room was created: he was not a member at its first events.
    expect(res.body.chunk[0]!.unsigned?.membership).toBeUndefined();
    const recent = await messages(hs, bob, roomId, { dir: 'b', limit: 1 });
    expect(recent.body.chunk[0]!.unsigned?.membership).toBe('join');
  });

  test('errors: dir, tokens, limit, filter, ids, access', async () => {
    const get = (params: string, user = alice, room = roomId) =>
      hs.request<{ errcode: string }>('GET', v3(`/rooms/${enc(room)}/messages${params}`), { token: user.access_token });
    expect((await get('')).body.errcode).toBe('M_MISSING_PARAM');
    expect((await get('?dir=x')).body.errcode).toBe('M_INVALID_PARAM');
    expect((await get('?dir=b&from=garbage')).body.errcode).toBe('M_INVALID_PARAM');
    expect((await get('?dir=b&to=t1')).body.errcode).toBe('M_INVALID_PARAM');
    expect((await get('?dir=b&limit=-1')).body.errcode).toBe('M_INVALID_PARAM');
    expect((await get('?dir=b&limit=ten')).body.errcode).toBe('M_INVALID_PARAM');
    expect((await get('?dir=b&filter=%7Bnot%20json')).body.errcode).toBe('M_INVALID_PARAM');
    expect((await get('?dir=b&filter=%7B%22types%22%3A5%7D')).body.errcode).toBe('M_INVALID_PARAM');
    const badRoom = await get('?dir=b', alice, 'not-a-room');
    expect([badRoom.status, badRoom.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    const unknown = await get('?dir=b', alice, '!nope:test.local');
    expect([unknown.status, unknown.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
    const outsider = await get('?dir=b', eve);
    expect([outsider.status, outsider.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
    const noToken = await hs.request('GET', v3(`/rooms/${enc(roomId)}/messages?dir=b`));
    expect(noToken.status).toBe(401);
    const post = await hs.request('POST', v3(`/rooms/${enc(roomId)}/messages?dir=b`), { token: alice.access_token, body: {} });
    expect(post.status).toBe(405);
  });

  test('an invited user may not read a room whose history is not world_readable', async () => {
    const privateRoom = await createRoom(hs, alice, { preset: 'private_chat' });
    await invite(hs, alice, privateRoom, eve.user_id);
    const res = await messages(hs, eve, privateRoom, { dir: 'b' });
    expect(res.status).toBe(403);
  });
});
