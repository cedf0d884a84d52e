import { getRoomVersion, stateKeyOf, type RoomEvent } from '@lattice/core';
import { alice, bob, count, harness, publicRoom, SERVER, type Harness } from '../harness.js';
import { mallory, remoteEvent, rita } from './remote-fixture.js';

const v11 = getRoomVersion('11')!;

async function stateEvent(h: Harness, roomId: string, type: string, stateKey = ''): Promise<RoomEvent> {
  return (await h.store.currentStateEvent(roomId, type, stateKey))!.event;
}

async function extremities(h: Harness, roomId: string): Promise<string[]> {
  const { rows } = await h.db.query<{ event_id: string }>('SELECT event_id FROM event_forward_extremities WHERE room_id = $1 ORDER BY event_id', [roomId]);
  return rows.map((r) => r.event_id);
}

async function tip(h: Harness, roomId: string): Promise<RoomEvent> {
  const [id] = await extremities(h, roomId);
  return (await h.store.getEvent(id!))!.event;
}

describe.each(['postgres', 'pglite'] as const)('remote events (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(kind);
  });
  afterAll(() => h.close());

  /** A public room of alice's with rita (remote) joined through acceptEvents. */
  async function roomWithRita(): Promise<{ roomId: string; ritaJoin: RoomEvent }> {
    const { roomId } = await publicRoom(h);
    const [create, pl, rules] = await Promise.all([
      stateEvent(h, roomId, 'm.room.create'),
      stateEvent(h, roomId, 'm.room.power_levels'),
      stateEvent(h, roomId, 'm.room.join_rules'),
    ]);
    const ritaJoin = remoteEvent(v11, { room_id: roomId, type: 'm.room.member', state_key: rita, sender: rita, content: { membership: 'join' } }, [await tip(h, roomId)], [create, pl, rules]);
    const [result] = await h.persister.remote.acceptEvents(roomId, [{ event: ritaJoin }]);
    expect(result).toEqual({ eventId: ritaJoin.event_id, outcome: 'accepted' });
    return { roomId, ritaJoin };
  }

  test('a remote join and message are accepted: current state, extremities, timeline and the events stream move on', async () => {
    const { roomId, ritaJoin } = await roomWithRita();
    expect((await h.store.membership(roomId, rita))?.membership).toBe('join');
    expect(await extremities(h, roomId)).toEqual([ritaJoin.event_id]);
    const [create, pl] = await Promise.all([stateEvent(h, roomId, 'm.room.create'), stateEvent(h, roomId, 'm.room.power_levels')]);
    const msg = remoteEvent(v11, { room_id: roomId, type: 'm.room.message', sender: rita, content: { msgtype: 'm.text', body: 'hello from afar' } }, [ritaJoin], [create, pl, ritaJoin]);
    const updatesBefore = h.updates.length;
    expect(await h.persister.remote.acceptEvents(roomId, [{ event: msg }])).toEqual([{ eventId: msg.event_id, outcome: 'accepted' }]);
    const stored = await h.store.getEvent(msg.event_id);
    expect(stored?.event.content['body']).toBe('hello from afar');
    const timeline = await h.store.roomEventsBetween(roomId, 0, Number.MAX_SAFE_INTEGER, 1, 'desc');
    expect(timeline[0]?.event.event_id).toBe(msg.event_id);
    expect(await h.hub.waitForPositions({ events: stored!.streamOrdering }, 5000)).toBe(true);
    expect(h.updates.length).toBeGreaterThan(updatesBefore);
    // A local send builds on the remote event.
    const reply = await h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice, content: { body: 'hi rita' } });
    expect(reply.event.prev_events).toEqual([msg.event_id]);
    // Receiving it again writes nothing.
    expect(await h.persister.remote.acceptEvents(roomId, [{ event: msg }])).toEqual([{ eventId: msg.event_id, outcome: 'duplicate' }]);
  });

  test('an event failing auth is stored as rejected: not in state, timeline or extremities', async () => {
    const { roomId, ritaJoin } = await roomWithRita();
    const [create, pl] = await Promise.all([stateEvent(h, roomId, 'm.room.create'), stateEvent(h, roomId, 'm.room.power_levels')]);
    // mallory never joined: cites rita's join as if it were hers.
    const spoof = remoteEvent(v11, { room_id: roomId, type: 'm.room.topic', state_key: '', sender: mallory, content: { topic: 'pwned' } }, [ritaJoin], [create, pl, ritaJoin]);
    const [result] = await h.persister.remote.acceptEvents(roomId, [{ event: spoof }]);
    expect(result?.outcome).toBe('rejected');
    const stored = await h.store.getEvent(spoof.event_id);
    expect(stored?.rejectedReason).toBeTruthy();
    expect(await h.store.currentStateEvent(roomId, 'm.room.topic', '')).toBeUndefined();
    expect(await extremities(h, roomId)).toEqual([ritaJoin.event_id]);
    // rita (power 0) may not change power levels: rejected against the state before it.
    const plChange = remoteEvent(v11, { room_id: roomId, type: 'm.room.power_levels', state_key: '', sender: rita, content: { users: { [rita]: 100 } } }, [ritaJoin], [create, pl, ritaJoin]);
    expect((await h.persister.remote.acceptEvents(roomId, [{ event: plChange }]))[0]?.outcome).toBe('rejected');
    expect((await stateEvent(h, roomId, 'm.room.power_levels')).event_id).toBe(pl.event_id);
  });

  test('an event citing auth events from another room is rejected; one citing unknown events is not written', async () => {
    const { roomId, ritaJoin } = await roomWithRita();
    const other = await publicRoom(h);
    const otherCreate = await stateEvent(h, other.roomId, 'm.room.create');
    const pl = await stateEvent(h, roomId, 'm.room.power_levels');
    const crossRoom = remoteEvent(v11, { room_id: roomId, type: 'm.room.message', sender: rita, content: { body: 'x' } }, [ritaJoin], [otherCreate, pl, ritaJoin]);
    expect((await h.persister.remote.acceptEvents(roomId, [{ event: crossRoom }]))[0]?.outcome).toBe('rejected');

    const create = await stateEvent(h, roomId, 'm.room.create');
    const ghost = remoteEvent(v11, { room_id: roomId, type: 'm.room.message', sender: rita, content: { body: 'ghost' } }, [], [create, pl, ritaJoin]);
    const orphan = { ...remoteEvent(v11, { room_id: roomId, type: 'm.room.message', sender: rita, content: { body: 'orphan' } }, [ghost], [create, pl, ritaJoin]) };
    const before = await count(h.db, 'events');
    expect((await h.persister.remote.acceptEvents(roomId, [{ event: orphan }]))[0]?.outcome).toBe('missing_prev_events');
    expect(await count(h.db, 'events')).toBe(before);
    // With the state before it supplied (as /state_ids would), it is accepted.
    const stateBefore = await h.store.stateAfterEvent(ritaJoin.event_id);
    expect((await h.persister.remote.acceptEvents(roomId, [{ event: orphan, stateBefore }]))[0]?.outcome).toBe('accepted');
  });

  test('an event allowed by the state before it but not by the current state is soft-failed', async () => {
    const { roomId, ritaJoin } = await roomWithRita();
    const [create, pl] = await Promise.all([stateEvent(h, roomId, 'm.room.create'), stateEvent(h, roomId, 'm.room.power_levels')]);
    await h.persister.createEvent({ room_id: roomId, type: 'm.room.member', state_key: rita, sender: alice, content: { membership: 'ban' } });
    const tipBefore = await extremities(h, roomId);
    // rita's server has not seen the ban yet: her message cites her join only.
    const late = remoteEvent(v11, { room_id: roomId, type: 'm.room.message', sender: rita, content: { body: 'too late' } }, [ritaJoin], [create, pl, ritaJoin]);
    expect((await h.persister.remote.acceptEvents(roomId, [{ event: late }]))[0]?.outcome).toBe('soft_failed');
    const stored = await h.store.getEvent(late.event_id);
    expect(stored?.softFailed).toBe(true);
    expect(await extremities(h, roomId)).toEqual(tipBefore);
    const timeline = await h.store.roomEventsBetween(roomId, 0, Number.MAX_SAFE_INTEGER, 50, 'asc');
    expect(timeline.map((e) => e.event.event_id)).not.toContain(late.event_id);
  });

  test('accepted remote events reach the persisted-events hooks (push evaluation); rejected and soft-failed ones do not', async () => {
    const { roomId, ritaJoin } = await roomWithRita();
    const seen: Array<{ eventId: string; streamOrdering: number }> = [];
    const off = h.persister.onPersisted(async (results) => {
      for (const r of results) seen.push({ eventId: r.event.event_id, streamOrdering: r.streamOrdering });
    });
    try {
      const [create, pl] = await Promise.all([stateEvent(h, roomId, 'm.room.create'), stateEvent(h, roomId, 'm.room.power_levels')]);
      const msg = remoteEvent(v11, { room_id: roomId, type: 'm.room.message', sender: rita, content: { body: 'ping' } }, [ritaJoin], [create, pl, ritaJoin]);
      const spoof = remoteEvent(v11, { room_id: roomId, type: 'm.room.topic', state_key: '', sender: mallory, content: { topic: 'x' } }, [ritaJoin], [create, pl, ritaJoin]);
      const results = await h.persister.remote.acceptEvents(roomId, [{ event: msg }, { event: spoof }]);
      expect(results.map((r) => r.outcome)).toEqual(['accepted', 'rejected']);
      const stored = await h.store.getEvent(msg.event_id);
      expect(seen).toEqual([{ eventId: msg.event_id, streamOrdering: stored!.streamOrdering }]);
    } finally {
      off();
    }
  });

  test('a forked state change is merged by state resolution', async () => {
    const { roomId, ritaJoin } = await roomWithRita();
    const [create, pl] = await Promise.all([stateEvent(h, roomId, 'm.room.create'), stateEvent(h, roomId, 'm.room.power_levels')]);
    const aliceTopic = await h.persister.createEvent({ room_id: roomId, type: 'm.room.topic', state_key: '', sender: alice, content: { topic: 'local' } });
    // rita sets her display name concurrently (cites her join, not alice's topic).
    const rename = remoteEvent(v11, { room_id: roomId, type: 'm.room.member', state_key: rita, sender: rita, content: { membership: 'join', displayname: 'Rita' } }, [ritaJoin], [create, pl, ritaJoin], { ts: h.now.value + 1000 });
    expect((await h.persister.remote.acceptEvents(roomId, [{ event: rename }]))[0]?.outcome).toBe('accepted');
    expect((await stateEvent(h, roomId, 'm.room.topic')).event_id).toBe(aliceTopic.event.event_id);
    expect((await stateEvent(h, roomId, 'm.room.member', rita)).event_id).toBe(rename.event_id);
    expect(await extremities(h, roomId)).toEqual([aliceTopic.event.event_id, rename.event_id].sort());
    const next = await h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice, content: { body: 'merge' } });
    expect([...next.event.prev_events].sort()).toEqual([aliceTopic.event.event_id, rename.event_id].sort());
  });

  test('one batch mixing state changes, messages, a fork and its merge: each event authorised against its own state, the current state right', async () => {
    const { roomId, ritaJoin } = await roomWithRita();
    const [create, pl] = await Promise.all([stateEvent(h, roomId, 'm.room.create'), stateEvent(h, roomId, 'm.room.power_levels')]);
    // Later events, later timestamps: state resolution orders the two renames by them.
    let ts = h.now.value;
    const as = (displayname: string, prev: RoomEvent[], auth: RoomEvent) =>
      remoteEvent(v11, { room_id: roomId, type: 'm.room.member', state_key: rita, sender: rita, content: { membership: 'join', displayname } }, prev, [create, pl, auth], { ts: ++ts });
    const say = (body: string, prev: RoomEvent[], member: RoomEvent) =>
      remoteEvent(v11, { room_id: roomId, type: 'm.room.message', sender: rita, content: { msgtype: 'm.text', body } }, prev, [create, pl, member], { ts: ++ts });
    const one = as('One', [ritaJoin], ritaJoin);
    const m1 = say('a', [one], one);
    const two = as('Two', [m1], one);
    const m2 = say('b', [two], two);
    const side = say('side', [m1], one); // forks off before "Two"
    const merge = say('merge', [m2, side], two);
    const three = as('Three', [merge], two);
    const m3 = say('c', [three], three);
    const results = await h.persister.remote.acceptEvents(roomId, [one, m1, two, m2, side, merge, three, m3].map((event) => ({ event })));
    expect(results.map((r) => r.outcome)).toEqual(Array(8).fill('accepted'));
    expect((await stateEvent(h, roomId, 'm.room.member', rita)).event_id).toBe(three.event_id);
    const { rows } = await h.db.query<{ event_id: string }>(
      `SELECT event_id FROM current_state_events WHERE room_id = $1 AND type = 'm.room.member' AND state_key = $2`,
      [roomId, rita],
    );
    expect(rows.map((r) => r.event_id)).toEqual([three.event_id]);
    expect(await extremities(h, roomId)).toEqual([m3.event_id]);
    // The state stored for each event is its own: "Two" is not in the state at the side branch.
    expect((await h.store.stateAfterEvent(side.event_id)).get(stateKeyOf('m.room.member', rita))).toBe(one.event_id);
    expect((await h.store.stateAfterEvent(m2.event_id)).get(stateKeyOf('m.room.member', rita))).toBe(two.event_id);
    expect((await h.store.stateAfterEvent(m3.event_id)).get(stateKeyOf('m.room.member', rita))).toBe(three.event_id);
  });

  test('joining a remote room: state and auth chain stored as outliers, the room appears for the local user', async () => {
    const roomId = `!remote1:remote.test`;
    const ev = (draft: Omit<Parameters<typeof remoteEvent>[1], 'room_id'>, prev: RoomEvent[], auth: RoomEvent[]) =>
      remoteEvent(v11, { ...draft, room_id: roomId }, prev, auth);
    const create = ev({ type: 'm.room.create', state_key: '', sender: rita, content: { room_version: '11' } }, [], []);
    const join = ev({ type: 'm.room.member', state_key: rita, sender: rita, content: { membership: 'join' } }, [create], [create]);
    const pl = ev({ type: 'm.room.power_levels', state_key: '', sender: rita, content: { users: { [rita]: 100 } } }, [join], [create, join]);
    const rules = ev({ type: 'm.room.join_rules', state_key: '', sender: rita, content: { join_rule: 'public' } }, [pl], [create, join, pl]);
    const { buildEvent } = await import('@lattice/rooms');
    const aliceJoin = buildEvent({
      draft: { room_id: roomId, type: 'm.room.member', state_key: alice, sender: alice, content: { membership: 'join' } },
      version: v11,
      prevEvents: [rules.event_id],
      authEvents: [create.event_id, pl.event_id, rules.event_id],
      depth: rules.depth + 1,
      originServerTs: 1_700_000_000_000,
      serverName: SERVER,
      signingKey: (await import('@lattice/core')).generateSigningKey('x'),
    }).event;
    const result = await h.persister.remote.joinRoom({ version: v11, join: aliceJoin, state: [create, join, pl, rules], authChain: [create, join, pl] });
    expect(result.event.event_id).toBe(aliceJoin.event_id);
    expect((await h.store.roomsForUser(alice)).find((r) => r.roomId === roomId)?.membership).toBe('join');
    expect((await h.store.roomVersion(roomId))?.id).toBe('11');
    const outlier = await h.store.getEvent(pl.event_id);
    expect(outlier?.outlier).toBe(true);
    const state = await h.store.currentState(roomId);
    expect(state.get(stateKeyOf('m.room.join_rules', ''))).toBe(rules.event_id);
    expect(state.get(stateKeyOf('m.room.member', alice))).toBe(aliceJoin.event_id);
    // The next remote message builds on the join and reaches the timeline.
    const msg = ev({ type: 'm.room.message', sender: rita, content: { body: 'welcome' } }, [aliceJoin], [create, pl, join]);
    expect((await h.persister.remote.acceptEvents(roomId, [{ event: msg }]))[0]?.outcome).toBe('accepted');
    const timeline = await h.store.roomEventsBetween(roomId, 0, Number.MAX_SAFE_INTEGER, 10, 'asc');
    expect(timeline.map((e) => e.event.event_id)).toEqual([aliceJoin.event_id, msg.event_id]);
    // And a local message goes on top.
    const sent = await h.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: alice, content: { body: 'thanks' } });
    expect(sent.event.prev_events).toEqual([msg.event_id]);
  });

  test('an event first held as an outlier is taken into the DAG when it arrives in place', async () => {
    const { roomId, ritaJoin } = await roomWithRita();
    const [create, pl] = await Promise.all([stateEvent(h, roomId, 'm.room.create'), stateEvent(h, roomId, 'm.room.power_levels')]);
    const msg = remoteEvent(v11, { room_id: roomId, type: 'm.room.message', sender: rita, content: { body: 'seen early' } }, [ritaJoin], [create, pl, ritaJoin]);
    expect((await h.persister.remote.storeOutliers(roomId, [msg], v11))[0]?.outcome).toBe('outlier');
    expect((await h.store.getEvent(msg.event_id))?.outlier).toBe(true);
    expect((await h.persister.remote.acceptEvents(roomId, [{ event: msg }]))[0]?.outcome).toBe('accepted');
    expect((await h.store.getEvent(msg.event_id))?.outlier).toBe(false);
    expect(await extremities(h, roomId)).toEqual([msg.event_id]);
    const timeline = await h.store.roomEventsBetween(roomId, 0, Number.MAX_SAFE_INTEGER, 1, 'desc');
    expect(timeline[0]?.event.event_id).toBe(msg.event_id);
  });

  test('a remote invite is stored as an outlier that sets the local membership', async () => {
    const roomId = `!remote2:remote.test`;
    const create = remoteEvent(v11, { room_id: roomId, type: 'm.room.create', state_key: '', sender: rita, content: { room_version: '11' } }, [], []);
    const invite = { ...remoteEvent(v11, { room_id: roomId, type: 'm.room.member', state_key: bob, sender: rita, content: { membership: 'invite' } }, [create], [create]) };
    invite.unsigned = { invite_room_state: [{ type: 'm.room.name', state_key: '', sender: rita, content: { name: 'Far' } }] };
    expect((await h.persister.remote.storeLocalMembershipOutlier(invite, v11)).outcome).toBe('outlier');
    const rooms = await h.store.roomsForUser(bob, ['invite']);
    expect(rooms.map((r) => r.roomId)).toContain(roomId);
    const stored = await h.store.getEvent(invite.event_id);
    expect(stored?.outlier).toBe(true);
    expect((stored?.event.unsigned as Record<string, unknown>)['invite_room_state']).toHaveLength(1);
    expect((await h.persister.remote.storeLocalMembershipOutlier(invite, v11)).outcome).toBe('duplicate');
  });
});
