import { MatrixError } from '@lattice/core';
import { toClientEvent, type SendResult } from '@lattice/rooms';
import { alice, bob, count, harness, publicRoom, version, type Harness } from './harness.js';

describe.each(['postgres', 'pglite'] as const)('reading rooms (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(kind);
  });
  afterAll(() => h.close());

  const say = (roomId: string, body: string, sender = alice, extra: Record<string, unknown> = {}) =>
    h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender, content: { msgtype: 'm.text', body, ...extra } });
  const join = (roomId: string, user: string) =>
    h.persister.createEvent({ room_id: roomId, type: 'm.room.member', state_key: user, sender: user, content: { membership: 'join' } });

  test('timelines by stream position and rooms with news', async () => {
    const quiet = await publicRoom(h);
    const { roomId, events } = await publicRoom(h);
    const start = events[events.length - 1]!.streamOrdering;
    const sent: SendResult[] = [];
    for (let i = 0; i < 10; i++) sent.push(await say(roomId, `m${i}`));
    const end = sent[9]!.streamOrdering;
    const ids = (r: Array<{ event: { event_id: string } }>) => r.map((e) => e.event.event_id);
    expect(ids(await h.store.roomEventsBetween(roomId, start, end, 3, 'desc'))).toEqual(ids(sent.slice(7).reverse()));
    expect(ids(await h.store.roomEventsBetween(roomId, start, end, 3, 'asc'))).toEqual(ids(sent.slice(0, 3)));
    expect(ids(await h.store.roomEventsBetween(roomId, sent[4]!.streamOrdering, sent[6]!.streamOrdering, 10, 'asc'))).toEqual(ids(sent.slice(5, 7)));
    expect(await h.store.roomsWithEventsBetween([roomId, quiet.roomId], start, end)).toEqual(new Set([roomId]));
    expect(await h.store.roomsWithEventsBetween([roomId, quiet.roomId], end, end + 100)).toEqual(new Set());
  });

  test('pagination in DAG order, backwards and forwards, with bounds', async () => {
    const { roomId, events } = await publicRoom(h);
    const sent: SendResult[] = [...events];
    for (let i = 0; i < 7; i++) sent.push(await say(roomId, `p${i}`));
    const last = sent[sent.length - 1]!;
    const back: string[] = [];
    let from: { topological?: number; stream: number } | undefined = { stream: last.streamOrdering };
    let pages = 0;
    while (from) {
      const page = await h.store.paginate(roomId, from, 'b', 5);
      back.push(...page.events.map((e) => e.event.event_id));
      from = page.next;
      pages++;
    }
    expect(back).toEqual(sent.map((e) => e.event.event_id).reverse());
    expect(pages).toBe(3);
    const fwd = await h.store.paginate(roomId, { topological: 2, stream: sent[1]!.streamOrdering }, 'f', 4);
    expect(fwd.events.map((e) => e.event.depth)).toEqual([3, 4, 5, 6]);
    expect(fwd.next).toEqual({ topological: 6, stream: sent[5]!.streamOrdering });
    const bounded = await h.store.paginate(roomId, { topological: 12, stream: last.streamOrdering }, 'b', 50, { topological: 9, stream: sent[8]!.streamOrdering });
    expect(bounded.events.map((e) => e.event.depth)).toEqual([12, 11, 10]);
    expect(bounded.next).toBeUndefined();
  });

  test('redactions: own events, others need the redact level, applied with redacted_because', async () => {
    const { roomId } = await publicRoom(h, '11', { [`@mod:test.local`]: 50 });
    await join(roomId, bob);
    await join(roomId, '@mod:test.local');
    const msg = await say(roomId, 'secret', alice);
    await h.store.getEvent(msg.event.event_id); // cached: the redaction must invalidate it
    const byBob = h.persister.createEvent({ room_id: roomId, type: 'm.room.redaction', sender: bob, content: {}, redacts: msg.event.event_id });
    await expect(byBob).rejects.toMatchObject({ errcode: 'M_FORBIDDEN' });
    await expect(byBob).rejects.toBeInstanceOf(MatrixError);

    const redaction = await h.persister.createEvent({ room_id: roomId, type: 'm.room.redaction', sender: alice, content: { reason: 'oops' }, redacts: msg.event.event_id });
    expect(redaction.event.content).toEqual({ reason: 'oops', redacts: msg.event.event_id }); // v11: in content
    const stored = (await h.store.getEvent(msg.event.event_id))!;
    expect(stored.redactedBy).toBe(redaction.event.event_id);
    expect(stored.event.content).toEqual({});
    const client = toClientEvent(stored, { roomVersion: version('11'), now: h.now.value + 5 });
    expect(client.content).toEqual({});
    expect(client.unsigned?.redacted_because).toMatchObject({
      event_id: redaction.event.event_id,
      type: 'm.room.redaction',
      content: { reason: 'oops', redacts: msg.event.event_id },
      redacts: msg.event.event_id,
    });
    expect(await count(h.db, 'redactions WHERE redacts = $1', [msg.event.event_id])).toBe(1);

    const bobs = await say(roomId, 'spam', bob);
    await h.persister.createEvent({ room_id: roomId, type: 'm.room.redaction', sender: '@mod:test.local', content: {}, redacts: bobs.event.event_id });
    expect((await h.store.getEvent(bobs.event.event_id))!.redactedBy).not.toBeNull();
  });

  test('v1–10 redactions carry redacts at the top level', async () => {
    const { roomId } = await publicRoom(h, '10');
    const msg = await say(roomId, 'x');
    const redaction = await h.persister.createEvent({ room_id: roomId, type: 'm.room.redaction', sender: alice, content: {}, redacts: msg.event.event_id });
    expect(redaction.event.redacts).toBe(msg.event.event_id);
    expect((await h.store.getEvent(msg.event.event_id))!.event.content).toEqual({});
  });

  test('toClientEvent: age, transaction_id for the sending device only, prev_content, sync format', async () => {
    const { roomId } = await publicRoom(h);
    const txn = { userId: alice, deviceId: 'PHONE', txnId: 'abc' };
    const sent = await h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice, content: { body: 'b' } }, { txn });
    const stored = (await h.store.getEvent(sent.event.event_id))!;
    const v = version('11');
    const now = h.now.value + 1234;
    const mine = toClientEvent(stored, { roomVersion: v, now, viewer: { userId: alice, deviceId: 'PHONE' } });
    expect(mine).toEqual({
      content: { body: 'b' },
      event_id: sent.event.event_id,
      origin_server_ts: h.now.value,
      room_id: roomId,
      sender: alice,
      type: 'm.room.message',
      unsigned: { age: 1234, transaction_id: 'abc' },
    });
    expect(toClientEvent(stored, { roomVersion: v, now, viewer: { userId: alice, deviceId: 'LAPTOP' } }).unsigned).toEqual({ age: 1234 });
    const sync = toClientEvent(stored, { roomVersion: v, now, format: 'sync', membership: 'join' });
    expect(sync.room_id).toBeUndefined();
    expect(sync.unsigned?.membership).toBe('join');

    const first = await h.persister.createEvent({ room_id: roomId, type: 'm.room.topic', state_key: '', sender: alice, content: { topic: 'one' } });
    const second = await h.persister.createEvent({ room_id: roomId, type: 'm.room.topic', state_key: '', sender: alice, content: { topic: 'two' } });
    const topic = toClientEvent((await h.store.getEvent(second.event.event_id))!, { roomVersion: v, now });
    expect(topic.state_key).toBe('');
    expect(topic.unsigned).toMatchObject({ replaces_state: first.event.event_id, prev_content: { topic: 'one' }, prev_sender: alice });
    expect(toClientEvent((await h.store.getEvent(first.event.event_id))!, { roomVersion: v, now }).unsigned?.prev_content).toBeUndefined();
  });

  test('relations are indexed, and dropped when the relating event is redacted', async () => {
    const { roomId } = await publicRoom(h);
    const target = await say(roomId, 'target');
    const reaction = await h.persister.createEvent({
      room_id: roomId,
      type: 'm.reaction',
      sender: alice,
      content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: target.event.event_id, key: '👍' } },
    });
    const edit = await say(roomId, '* edited', alice, { 'm.relates_to': { rel_type: 'm.replace', event_id: target.event.event_id } });
    const thread = await say(roomId, 'in thread', alice, { 'm.relates_to': { rel_type: 'm.thread', event_id: target.event.event_id } });
    const { rows } = await h.db.query<{ event_id: string; rel_type: string; aggregation_key: string | null }>(
      'SELECT event_id, rel_type, aggregation_key FROM event_relations WHERE relates_to_id = $1 ORDER BY rel_type',
      [target.event.event_id],
    );
    expect(rows).toEqual([
      { event_id: reaction.event.event_id, rel_type: 'm.annotation', aggregation_key: '👍' },
      { event_id: edit.event.event_id, rel_type: 'm.replace', aggregation_key: null },
      { event_id: thread.event.event_id, rel_type: 'm.thread', aggregation_key: null },
    ]);
    expect((await h.store.relations(target.event.event_id)).map((e) => e.event.event_id)).toEqual(
      [thread, edit, reaction].map((e) => e.event.event_id),
    );
    expect((await h.store.relations(target.event.event_id, { relType: 'm.annotation', eventType: 'm.reaction' })).length).toBe(1);
    await h.persister.createEvent({ room_id: roomId, type: 'm.room.redaction', sender: alice, content: {}, redacts: reaction.event.event_id });
    expect((await h.store.relations(target.event.event_id, { relType: 'm.annotation' })).length).toBe(0);
  });

  test('current state reads and their cache follow new state events', async () => {
    const { roomId } = await publicRoom(h);
    expect((await h.store.currentStateEvents(roomId, { types: ['m.room.member'] })).map((e) => e.event.state_key)).toEqual([alice]);
    await join(roomId, bob);
    expect((await h.store.currentStateEvents(roomId, { types: ['m.room.member'] })).map((e) => e.event.state_key).sort()).toEqual([alice, bob]);
    expect((await h.store.currentStateEvents(roomId)).length).toBe(6);
  });
});

describe('a purged room', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness('pglite');
  });
  afterAll(() => h.close());

  test('is announced to the listeners of caches derived from its rows, until they unsubscribe', async () => {
    const { roomId } = await publicRoom(h);
    const heard: string[] = [];
    const unsubscribe = h.store.onRoomPurged((id) => heard.push(id));
    h.store.forgetRoomCaches(roomId);
    unsubscribe();
    h.store.forgetRoomCaches(roomId);
    expect(heard).toEqual([roomId]);
  });
});
