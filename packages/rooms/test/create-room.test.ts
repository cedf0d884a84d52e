import {
  hashAndSignEvent,
  isUrlSafeBase64Hash,
  isStandardBase64Hash,
  verifyContentHash,
  type PDU,
} from '@lattice/core';
import { alice, count, harness, publicRoom, SERVER, version, type Harness } from './harness.js';

describe.each(['postgres', 'pglite'] as const)('createRoom (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(kind);
  });
  afterAll(() => h.close());

  async function wire(eventId: string): Promise<PDU> {
    const { rows } = await h.db.query<{ json: string }>('SELECT json FROM events WHERE event_id = $1', [eventId]);
    return JSON.parse(rows[0]!.json) as PDU;
  }

  test.each(['1', '4', '10', '11', '12'])('room version %s: ids, formats, signatures, state', async (id) => {
    const v = version(id);
    const { roomId, events } = await publicRoom(h, id);
    expect(events).toHaveLength(5);
    const create = events[0]!.event;

    if (v.roomIdFromCreateEvent) {
      expect(roomId).toBe('!' + create.event_id.slice(1));
      expect((await wire(create.event_id)).room_id).toBeUndefined();
      expect(create.content['creator']).toBeUndefined();
    } else {
      expect(roomId).toMatch(new RegExp(`^![A-Za-z0-9]+:${SERVER.replace('.', '\\.')}$`));
      expect((await wire(create.event_id)).room_id).toBe(roomId);
    }
    expect(create.content['room_version']).toBe(id);
    if (!v.implicitRoomCreator) expect(create.content['creator']).toBe(alice);

    for (const { event } of events) {
      const pdu = await wire(event.event_id);
      if (v.eventIdFormat === 'v1') {
        expect(event.event_id).toMatch(new RegExp(`^\\$[^:]+:${SERVER.replace('.', '\\.')}$`));
        expect(pdu.event_id).toBe(event.event_id);
      } else {
        expect(isUrlSafeBase64Hash(event.event_id.slice(1))).toBe(true);
        expect(pdu.event_id).toBeUndefined();
      }
      expect(event.room_id).toBe(roomId);
      // Same bytes as the reference implementation of hashing and signing.
      expect(verifyContentHash(pdu, v)).toBe(true);
      const { hashes: _h, signatures, ...unsigned } = pdu;
      const resigned = hashAndSignEvent({ ...unsigned, hashes: { sha256: '' }, signatures: {} } as PDU, SERVER, h.persister['ctx'].signingKey, v);
      expect(resigned.signatures).toEqual(signatures);
    }

    // Graph: a chain; depth counts up; every event but the create cites the create (before v12).
    for (let i = 1; i < events.length; i++) {
      const e = events[i]!.event;
      const prev = e.prev_events.map((r) => (typeof r === 'string' ? r : r[0]));
      expect(prev).toEqual([events[i - 1]!.event.event_id]);
      expect(e.depth).toBe(i + 1);
      const auth = e.auth_events.map((r) => (typeof r === 'string' ? r : r[0]));
      expect(auth.includes(create.event_id)).toBe(!v.roomIdFromCreateEvent);
    }
    expect(events.map((e) => e.streamOrdering)).toEqual([...events.map((e) => e.streamOrdering)].sort((a, b) => a - b));

    expect(await h.store.roomVersion(roomId)).toBe(v);
    const state = await h.store.currentState(roomId);
    expect(state.size).toBe(5);
    expect(await count(h.db, 'rooms WHERE room_id = $1 AND creator = $2', [roomId, alice])).toBe(1);
    expect(await count(h.db, 'event_forward_extremities WHERE room_id = $1', [roomId])).toBe(1);
    expect((await h.store.membership(roomId, alice))?.membership).toBe('join');
  });

  test('v3 rooms use standard base64 event ids', async () => {
    const { events } = await publicRoom(h, '3');
    expect(isStandardBase64Hash(events[1]!.event.event_id.slice(1))).toBe(true);
  });

  test('the events stream carries one row per event, published after commit', async () => {
    const before = h.updates.length;
    const { events } = await publicRoom(h, '11');
    const rows = h.updates.slice(before).flatMap((u) => u.rows as Array<{ event_id: string; membership: string | null }>);
    expect(rows.map((r) => r.event_id)).toEqual(events.map((e) => e.event.event_id));
    expect(rows[1]!.membership).toBe('join');
    expect(h.hub.positions.current('events')).toBeGreaterThanOrEqual(events[events.length - 1]!.streamOrdering);
  });
});
