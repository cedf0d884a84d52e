import { stateKeyOf } from '@lattice/core';
import type { Queryable, QueryResult } from '@lattice/storage';
import { loadWriterState } from '../src/writer-state.js';
import { alice, harness, publicRoom, SERVER } from './harness.js';

const ONE_PAGE = 100_000;

/** Answers loadWriterState's reads for a room whose state holds `members` member events, in one page. */
function roomWithMembers(members: number): Queryable {
  const state = Array.from({ length: members }, (_, i) => ({
    event_id: `$m${i}`,
    type: 'm.room.member',
    state_key: `@u${i}:a.test`,
    json: JSON.stringify({ type: 'm.room.member', state_key: `@u${i}:a.test`, sender: `@u${i}:a.test`, content: { membership: 'join', displayname: `User ${i}` }, depth: i, prev_events: [], auth_events: [] }),
  }));
  return {
    async query<R>(sql: string): Promise<QueryResult<R>> {
      const rows = sql.includes('FROM rooms')
        ? [{ room_version: '10' }]
        : sql.includes('event_forward_extremities')
          ? [{ event_id: '$m0', json: state[0]!.json, depth: 0, state_group: 7 }]
          : state;
      return { rows: rows as R[], rowCount: rows.length };
    },
  };
}

describe('loadWriterState', () => {
  it('reads a state larger than a page in pages, each state event once (PostgreSQL)', async () => {
    const h = await harness('postgres');
    try {
      const { roomId } = await publicRoom(h);
      for (let i = 0; i < 25; i++) {
        const user = `@u${i}:${SERVER}`;
        await h.persister.createEvent({ room_id: roomId, type: 'm.room.member', state_key: user, sender: user, content: { membership: 'join' } });
      }
      await h.persister.createEvent({ room_id: roomId, type: 'm.room.topic', state_key: '', sender: alice, content: { topic: 'T' } });
      const whole = await loadWriterState(h.db, roomId, 1_000);
      expect(whole!.state.size).toBe(31); // create, alice and 25 members, power levels, join rules, history visibility, topic
      for (const pageRows of [1, 4, 30, 31, 32]) {
        const paged = await loadWriterState(h.db, roomId, pageRows);
        expect(new Map([...paged!.state].map(([k, e]) => [k, e.event_id]))).toEqual(new Map([...whole!.state].map(([k, e]) => [k, e.event_id])));
        expect(paged!.extremities).toEqual(whole!.extremities);
        expect(paged!.stateGroup).toBe(whole!.stateGroup);
      }
    } finally {
      await h.close();
    }
  });

  it('holds the current state by key, the extremities and the state group', async () => {
    const room = await loadWriterState(roomWithMembers(3), '!r:a.test', ONE_PAGE);
    expect(room!.state.get(stateKeyOf('m.room.member', '@u2:a.test'))?.event_id).toBe('$m2');
    expect(room!.state.size).toBe(3);
    expect(room!.extremities.map((x) => x.eventId)).toEqual(['$m0']);
    expect(room!.stateGroup).toBe(7);
    expect([...room!.state.values()].every((e) => e.room_id === '!r:a.test')).toBe(true);
  });

  it("gives the event loop turns while it parses a large room's state", async () => {
    const db = roomWithMembers(60_000);
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    const room = await loadWriterState(db, '!big:a.test', ONE_PAGE);
    clearInterval(ticker);
    expect(room!.state.size).toBe(60_000);
    expect(turns).toBeGreaterThan(0);
  });
});
