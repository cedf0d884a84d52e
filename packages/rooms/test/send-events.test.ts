import { MatrixError, stateKeyOf } from '@lattice/core';
import { alice, bob, carol, count, harness, publicRoom, type Harness } from './harness.js';

async function rejection(p: Promise<unknown>): Promise<MatrixError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(MatrixError);
    return err as MatrixError;
  }
  throw new Error('expected a MatrixError');
}

describe.each(['postgres', 'pglite'] as const)('sending events (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(kind);
  });
  afterAll(() => h.close());

  async function snapshotCounts(): Promise<number[]> {
    return Promise.all(
      ['events', 'event_edges', 'event_auth', 'event_to_state_groups', 'state_groups', 'current_state_events', 'event_txn_ids'].map(
        (t) => count(h.db, t),
      ),
    );
  }

  test('messages and state events extend the chain and the current state', async () => {
    const { roomId, events } = await publicRoom(h);
    const last = events[events.length - 1]!;
    const msg = await h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice, content: { msgtype: 'm.text', body: 'hi' } });
    expect(msg.deduplicated).toBe(false);
    expect(msg.streamOrdering).toBeGreaterThan(last.streamOrdering);
    expect(msg.event.prev_events).toEqual([last.event.event_id]);
    expect(msg.event.depth).toBe(last.event.depth + 1);
    const topic = await h.persister.createEvent({ room_id: roomId, type: 'm.room.topic', state_key: '', sender: alice, content: { topic: 'T' } });
    expect((await h.store.currentStateEvent(roomId, 'm.room.topic', ''))?.event.event_id).toBe(topic.event.event_id);
    const { rows } = await h.db.query<{ event_id: string }>('SELECT event_id FROM event_forward_extremities WHERE room_id = $1', [roomId]);
    expect(rows).toEqual([{ event_id: topic.event.event_id }]);
    const stored = await h.store.getEvent(msg.event.event_id);
    expect(stored?.event.content).toEqual({ msgtype: 'm.text', body: 'hi' });
    expect(stored?.streamOrdering).toBe(msg.streamOrdering);
  });

  test('beforeAnnounce runs once the event is committed and before its row is announced; a failure of it still announces the row', async () => {
    const { roomId } = await publicRoom(h);
    const draft = { room_id: roomId, type: 'm.room.message', sender: alice, content: { body: 'b' } };
    let seen: { stored: boolean; announced: boolean } | undefined;
    const msg = await h.persister.createEvent(draft, {
      beforeAnnounce: async (result) => {
        const { rows } = await h.db.query('SELECT 1 FROM events WHERE event_id = $1', [result.event.event_id]);
        seen = { stored: rows.length === 1, announced: h.updates.some((u) => u.position >= result.streamOrdering) };
      },
    });
    expect(seen).toEqual({ stored: true, announced: false });
    await h.hub.waitForPositions({ events: msg.streamOrdering }, 5000);
    expect(h.hub.positions.current('events')).toBeGreaterThanOrEqual(msg.streamOrdering);

    const refused = h.persister.createEvent(draft, { beforeAnnounce: () => Promise.reject(new Error('redis down')) });
    await expect(refused).rejects.toThrow('redis down');
    // Committed and announced anyway: a position is never left unannounced (readers would wait on it forever).
    const last = Math.max(...h.updates.map((u) => u.position));
    expect(last).toBeGreaterThan(msg.streamOrdering);
    expect(await count(h.db, "events WHERE room_id = $1 AND type = 'm.room.message'", [roomId])).toBe(2);
  });

  test("an event's JSON is stored exactly: quotes, backslashes, escapes, braces and characters beyond ASCII", async () => {
    const { roomId } = await publicRoom(h);
    const content = { msgtype: 'm.text', body: 'say "hi" \\ {a,b} \u0000 \\" é 漢字 🎉 \n\t', formatted_body: '["\\", "\\"", "{}"]' };
    const msg = await h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice, content });
    const { rows } = await h.db.query<{ json: string }>('SELECT json FROM events WHERE event_id = $1', [msg.event.event_id]);
    expect((JSON.parse(rows[0]!.json) as { content: unknown }).content).toEqual(content);
    expect((await h.store.getEvent(msg.event.event_id))?.event.content).toEqual(content);
  });

  test('refused events write nothing: auth (403), size (413), canonical JSON (400), field lengths (400)', async () => {
    const { roomId } = await publicRoom(h, '10');
    const before = await snapshotCounts();
    const notJoined = await rejection(h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: bob, content: { body: 'x' } }));
    expect([notJoined.status, notJoined.errcode]).toEqual([403, 'M_FORBIDDEN']);
    expect(notJoined.message).toMatch(/not joined/);
    const tooBig = await rejection(h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice, content: { body: 'x'.repeat(70_000) } }));
    expect([tooBig.status, tooBig.errcode]).toEqual([413, 'M_TOO_LARGE']);
    const float = await rejection(h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice, content: { n: 1.5 } }));
    expect([float.status, float.errcode]).toEqual([400, 'M_BAD_JSON']);
    const bigInt = await rejection(h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice, content: { n: 2 ** 60 } }));
    expect(bigInt.errcode).toBe('M_BAD_JSON');
    const longType = await rejection(h.persister.createEvent({ room_id: roomId, type: 'x'.repeat(256), sender: alice, content: {} }));
    expect(longType.status).toBe(400);
    const longKey = await rejection(h.persister.createEvent({ room_id: roomId, type: 'm.x', state_key: 'é'.repeat(128), sender: alice, content: {} }));
    expect(longKey.status).toBe(400);
    const lowPower = await rejection(
      h.persister.createEvent({ room_id: roomId, type: 'm.room.member', state_key: bob, sender: bob, content: { membership: 'join' } }).then(() =>
        h.persister.createEvent({ room_id: roomId, type: 'm.room.name', state_key: '', sender: bob, content: { name: 'n' } }),
      ),
    );
    expect(lowPower.errcode).toBe('M_FORBIDDEN');
    const unknown = await rejection(h.persister.createEvent({ room_id: '!nope:test.local', type: 'm.room.message', sender: alice, content: {} }));
    expect(unknown.errcode).toBe('M_NOT_FOUND');
    const after = await snapshotCounts();
    // Only bob's join was written (one event, its edge and auth rows, a state group).
    expect(after[0]! - before[0]!).toBe(1);
    // The writer recovered: the chain continues from bob's join.
    const next = await h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: bob, content: { body: 'ok' } });
    expect(next.event.depth).toBe(7);
  });

  test('floats are accepted where the room version allows them (v1–5)', async () => {
    const { roomId } = await publicRoom(h, '4');
    const sent = await h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice, content: { n: 1.5 } });
    expect((await h.store.getEvent(sent.event.event_id))?.event.content).toEqual({ n: 1.5 });
  });

  test('a retried transaction returns the same event and writes nothing', async () => {
    const { roomId } = await publicRoom(h);
    const txn = { userId: alice, deviceId: 'DEV1', txnId: 't1' };
    const draft = { room_id: roomId, type: 'm.room.message', sender: alice, content: { body: 'once' } };
    const first = await h.persister.createEvent(draft, { txn });
    const events = await count(h.db, 'events');
    const again = await h.persister.createEvent({ ...draft, content: { body: 'changed' } }, { txn });
    expect(again).toMatchObject({ deduplicated: true, streamOrdering: first.streamOrdering });
    expect(again.event.event_id).toBe(first.event.event_id);
    expect(await count(h.db, 'events')).toBe(events);
    expect(await h.store.eventByTxn(alice, 'DEV1', 't1')).toBe(first.event.event_id);
    // The same txn id from another device is another transaction.
    const other = await h.persister.createEvent(draft, { txn: { ...txn, deviceId: 'DEV2' } });
    expect(other.deduplicated).toBe(false);
    // Concurrent retries of one transaction produce one event.
    const txn2 = { ...txn, txnId: 't2' };
    const results = await Promise.all([1, 2, 3].map(() => h.persister.createEvent(draft, { txn: txn2 })));
    expect(new Set(results.map((r) => r.event.event_id)).size).toBe(1);
    expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
    // A retry after the sender left (so it would now be refused) still gets its event.
    const bobTxn = { userId: bob, deviceId: 'B', txnId: 'b1' };
    await h.persister.createEvent({ room_id: roomId, type: 'm.room.member', state_key: bob, sender: bob, content: { membership: 'join' } });
    const bobs = await h.persister.createEvent({ ...draft, sender: bob }, { txn: bobTxn });
    await h.persister.createEvent({ room_id: roomId, type: 'm.room.member', state_key: bob, sender: bob, content: { membership: 'leave' } });
    const retry = await h.persister.createEvent({ ...draft, sender: bob }, { txn: bobTxn });
    expect(retry).toMatchObject({ deduplicated: true, streamOrdering: bobs.streamOrdering });
    expect((await rejection(h.persister.createEvent({ ...draft, sender: bob }, { txn: { ...bobTxn, txnId: 'b2' } }))).errcode).toBe('M_FORBIDDEN');
  });

  test('memberships: joins, leaves, bans, invites in every table', async () => {
    const { roomId } = await publicRoom(h);
    const join = (user: string, displayname?: string) =>
      h.persister.createEvent({ room_id: roomId, type: 'm.room.member', state_key: user, sender: user, content: { membership: 'join', ...(displayname ? { displayname } : {}) } });
    const bobJoin = await join(bob, 'Bob');
    await join(carol);
    expect(await h.store.joinedMembers(roomId)).toEqual(new Map([[alice, { displayname: 'Alice' }], [bob, { displayname: 'Bob' }], [carol, {}]]));
    const bobLeave = await h.persister.createEvent({ room_id: roomId, type: 'm.room.member', state_key: bob, sender: bob, content: { membership: 'leave' } });
    const ban = await h.persister.createEvent({ room_id: roomId, type: 'm.room.member', state_key: carol, sender: alice, content: { membership: 'ban', reason: 'spam' } });
    const remote = '@dan:remote.example';
    await h.persister.createEvent({ room_id: roomId, type: 'm.room.member', state_key: remote, sender: alice, content: { membership: 'invite' } });

    expect([...(await h.store.joinedMembers(roomId)).keys()]).toEqual([alice]);
    expect(await h.store.membership(roomId, bob)).toEqual({ roomId, membership: 'leave', eventId: bobLeave.event.event_id, streamOrdering: bobLeave.streamOrdering, forgotten: false });
    expect((await h.store.membership(roomId, carol))?.membership).toBe('ban');
    expect((await h.store.membership(roomId, remote))?.membership).toBe('invite');
    const { rows } = await h.db.query<{ membership: string }>(
      "SELECT membership FROM current_state_events WHERE room_id = $1 AND type = 'm.room.member' ORDER BY state_key",
      [roomId],
    );
    expect(rows.map((r) => r.membership)).toEqual(['join', 'leave', 'ban', 'invite']);
    expect(await count(h.db, 'room_memberships WHERE room_id = $1', [roomId])).toBe(6);
    // local_current_membership holds local users only.
    expect(await count(h.db, 'local_current_membership WHERE room_id = $1', [roomId])).toBe(3);
    expect(await count(h.db, 'local_current_membership WHERE user_id = $1', [remote])).toBe(0);
    expect((await h.store.roomsForUser(carol)).find((r) => r.roomId === roomId)).toMatchObject({ membership: 'ban', eventId: ban.event.event_id });
    expect((await h.store.roomsForUser(bob, ['join'])).some((r) => r.roomId === roomId)).toBe(false);
    expect((await h.store.roomsForUser(bob, ['leave'])).some((r) => r.roomId === roomId)).toBe(true);
    const changes = await h.store.membershipChangesForUser(bob, bobJoin.streamOrdering - 1, ban.streamOrdering);
    expect(changes.filter((c) => c.roomId === roomId).map((c) => c.membership)).toEqual(['join', 'leave']);
    expect(await h.store.membershipChangesForUser(bob, bobLeave.streamOrdering, ban.streamOrdering)).toEqual([]);
    // A banned user cannot rejoin.
    expect((await rejection(join(carol))).errcode).toBe('M_FORBIDDEN');
  });

  test('state groups: deltas per state event, shared by messages, bounded chains, state before/after', async () => {
    const { roomId, events } = await publicRoom(h);
    const msg = await h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice, content: { body: '1' } });
    const groupOf = async (id: string) =>
      (await h.db.query<{ state_group: number }>('SELECT state_group FROM event_to_state_groups WHERE event_id = $1', [id])).rows[0]!.state_group;
    const last = events[events.length - 1]!.event.event_id;
    expect(await groupOf(msg.event.event_id)).toBe(await groupOf(last));
    const { rows: g } = await h.db.query<{ prev_group: number | null; delta_depth: number }>(
      'SELECT prev_group, delta_depth FROM state_groups WHERE id = $1',
      [await groupOf(last)],
    );
    expect(g[0]).toEqual({ prev_group: await groupOf(events[events.length - 2]!.event.event_id), delta_depth: 4 });

    const topics: string[] = [];
    for (let i = 0; i < 55; i++) {
      topics.push((await h.persister.createEvent({ room_id: roomId, type: 'm.room.topic', state_key: '', sender: alice, content: { topic: `t${i}` } })).event.event_id);
    }
    // Bounded chains: somewhere along the way a snapshot was written.
    expect(await count(h.db, 'state_groups WHERE room_id = $1 AND prev_group IS NULL', [roomId])).toBeGreaterThanOrEqual(2);
    const topicKey = stateKeyOf('m.room.topic', '');
    for (const i of [0, 30, 54]) {
      const after = await h.store.stateAfterEvent(topics[i]!);
      expect(after.get(topicKey)).toBe(topics[i]);
      expect(after.size).toBe(6);
      const before = await h.store.stateBeforeEvent(topics[i]!);
      if (i === 0) expect(before.has(topicKey)).toBe(false);
      else expect(before.get(topicKey)).toBe(topics[i - 1]);
    }
    expect(await h.store.stateAfterEvent(topics[54]!)).toEqual(await h.store.currentState(roomId));
    const beforeMsg = await h.store.stateBeforeEvent(msg.event.event_id);
    expect(beforeMsg).toEqual(await h.store.stateAfterEvent(msg.event.event_id));
    expect(beforeMsg.size).toBe(5);
  });

  test('a persister that loads a room from the database continues its chain', async () => {
    const { roomId } = await publicRoom(h);
    const a = await h.persister.createEvent({ room_id: roomId, type: 'm.room.name', state_key: '', sender: alice, content: { name: 'n' } });
    h.persister.forgetRoom(roomId);
    const b = await h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice, content: { body: 'after reload' } });
    expect(b.event.prev_events).toEqual([a.event.event_id]);
    expect(b.event.depth).toBe(a.event.depth + 1);
    const { rows } = await h.db.query<{ g: number }>(
      'SELECT count(DISTINCT state_group)::int AS g FROM event_to_state_groups WHERE event_id = ANY($1)',
      [[a.event.event_id, b.event.event_id]],
    );
    expect(rows[0]!.g).toBe(1);
  });

  test('concurrent sends: serialised per room, parallel across rooms', async () => {
    const rooms = await Promise.all([1, 2, 3, 4, 5].map(() => publicRoom(h)));
    const sends = rooms.flatMap(({ roomId }) =>
      Array.from({ length: 20 }, (_, i) =>
        h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice, content: { body: `${i}` } }),
      ),
    );
    const results = await Promise.all(sends);
    expect(new Set(results.map((r) => r.streamOrdering)).size).toBe(100);
    for (const { roomId, events } of rooms) {
      const mine = results.filter((r) => r.event.room_id === roomId).sort((a, b) => a.event.depth - b.event.depth);
      expect(mine.map((r) => r.event.depth)).toEqual(Array.from({ length: 20 }, (_, i) => i + 6));
      // Each cites the one before: a single chain.
      let prev = events[events.length - 1]!.event.event_id;
      for (const r of mine) {
        expect(r.event.prev_events).toEqual([prev]);
        prev = r.event.event_id;
      }
      expect(await count(h.db, 'event_forward_extremities WHERE room_id = $1', [roomId])).toBe(1);
    }
  });
});
