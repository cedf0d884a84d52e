/** GET /rooms/{roomId}/context/{eventId}: the split, tokens, state, filter, lazy loading, errors. */
import { DB_KINDS, v3, type Credentials, type TestServer } from '../support/test-server.js';
import { createRoom } from '../support/rooms.js';
import { startTimelineRoom, allEventIds, enc, messages, query, sendMany, type ClientEvent } from './timeline-support.js';

interface ContextBody {
  start: string;
  end: string;
  event: ClientEvent;
  events_before: ClientEvent[];
  events_after: ClientEvent[];
  state: ClientEvent[];
}

describe.each(DB_KINDS)('/context on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let eve: Credentials;
  let roomId: string;
  let all: string[];
  let target: string;

  beforeAll(async () => {
    ({ hs, alice, bob, eve, roomId } = await startTimelineRoom(kind));
    const sent = [...(await sendMany(hs, alice, roomId, 20)), ...(await sendMany(hs, bob, roomId, 20, (i) => `bob ${i}`))];
    target = sent[19]!; // alice's last message: alice before it, bob after it
    all = await allEventIds(hs, roomId);
  });
  afterAll(() => hs.close());

  const context = (eventId: string, params: Record<string, string | number | object | undefined> = {}, user = alice) =>
    hs.request<ContextBody>('GET', v3(`/rooms/${enc(roomId)}/context/${enc(eventId)}${query(params)}`), { token: user.access_token });

  test('limit is split between before and after; the event itself is always returned', async () => {
    const at = all.indexOf(target);
    const res = await context(target, { limit: 7 });
    expect(res.status).toBe(200);
    expect(res.body.event.event_id).toBe(target);
    expect(res.body.events_before.map((e) => e.event_id)).toEqual(all.slice(at - 3, at).reverse());
    expect(res.body.events_after.map((e) => e.event_id)).toEqual(all.slice(at + 1, at + 5));

    const zero = await context(target, { limit: 0 });
    expect(zero.body.event.event_id).toBe(target);
    expect(zero.body.events_before).toEqual([]);
    expect(zero.body.events_after).toEqual([]);

    const byDefault = await context(target);
    expect(byDefault.body.events_before).toHaveLength(5);
    expect(byDefault.body.events_after).toHaveLength(5);
  });

  test('start and end continue with /messages without gaps or overlaps', async () => {
    const at = all.indexOf(target);
    const res = await context(target, { limit: 4 });
    const back = await messages(hs, alice, roomId, { dir: 'b', limit: 3, from: res.body.start });
    expect(back.body.chunk.map((e) => e.event_id)).toEqual(all.slice(at - 5, at - 2).reverse());
    const fwd = await messages(hs, alice, roomId, { dir: 'f', limit: 3, from: res.body.end });
    expect(fwd.body.chunk.map((e) => e.event_id)).toEqual(all.slice(at + 3, at + 6));
  });

  test('state is the room state at the last event returned', async () => {
    const res = await context(target, { limit: 4 });
    const types = new Set(res.body.state.map((e) => `${e.type}|${e.state_key}`));
    expect(types.has('m.room.create|')).toBe(true);
    expect(types.has(`m.room.member|${alice.user_id}`)).toBe(true);
    expect(types.has(`m.room.member|${bob.user_id}`)).toBe(true);
    expect(res.body.state.every((e) => e.state_key !== undefined)).toBe(true);
  });

  test('the filter applies to the events around and to state, not to the event; lazy loading', async () => {
    const res = await context(target, { limit: 10, filter: { senders: [bob.user_id], lazy_load_members: true } });
    expect(res.body.event.sender).toBe(alice.user_id);
    expect(res.body.events_before.every((e) => e.sender === bob.user_id)).toBe(true);
    expect(res.body.events_after).toHaveLength(5);
    expect(res.body.events_after.every((e) => e.sender === bob.user_id)).toBe(true);
    // Lazy loading: only the senders' members (the filter then keeps bob's, sent by bob).
    expect(res.body.state.map((e) => e.state_key)).toEqual([bob.user_id]);

    const lazy = await context(target, { limit: 10, filter: { lazy_load_members: true } });
    expect(new Set(lazy.body.state.map((e) => e.state_key))).toEqual(new Set([alice.user_id, bob.user_id]));
    expect(lazy.body.state.every((e) => e.type === 'm.room.member')).toBe(true);
  });

  test('errors: malformed ids 400, unknown event 404, event of another room 404, outsiders 403', async () => {
    expect((await context('not-an-event')).status).toBe(400);
    const unknown = await context('$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    expect([unknown.status, (unknown.body as unknown as { errcode: string }).errcode]).toEqual([404, 'M_NOT_FOUND']);
    const other = await createRoom(hs, alice);
    const [otherEvent] = await sendMany(hs, alice, other, 1);
    expect((await context(otherEvent!)).status).toBe(404);
    const badRoom = await hs.request('GET', v3(`/rooms/nope/context/${enc(target)}`), { token: alice.access_token });
    expect(badRoom.status).toBe(400);
    const privateRoom = await createRoom(hs, alice, { preset: 'private_chat' });
    const [privateEvent] = await sendMany(hs, alice, privateRoom, 1);
    const outsider = await hs.request('GET', v3(`/rooms/${enc(privateRoom)}/context/${enc(privateEvent!)}`), { token: eve.access_token });
    expect(outsider.status).toBe(403);
    expect((await context(target, { limit: 'x' })).status).toBe(400);
  });
});
