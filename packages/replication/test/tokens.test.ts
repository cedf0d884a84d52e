import { MatrixError } from '@lattice/core';
import {
  RoomStreamToken,
  StreamPosition,
  SyncToken,
  compareEventPositions,
  compareRoomStreamTokens,
} from '@lattice/replication';

function expectInvalid(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MatrixError);
    expect((err as MatrixError).errcode).toBe('M_INVALID_PARAM');
    expect((err as MatrixError).status).toBe(400);
    return;
  }
  throw new Error('expected M_INVALID_PARAM');
}

describe('StreamPosition', () => {
  test('single-writer positions are plain numbers', () => {
    expect(StreamPosition.at(12).toString()).toBe('12');
    expect(StreamPosition.fromWriters(new Map([['a', 7], ['b', 7]])).toString()).toBe('7');
  });

  test('writers ahead of the minimum form a vector, with names escaped and sorted', () => {
    const position = StreamPosition.fromWriters(
      new Map([
        ['event_persister2', 15],
        ['event_persister1', 12],
        ['b.x~', 13],
      ]),
    );
    expect(position.toString()).toBe('m12~b-2ex-7e.13~event-5fpersister2.15');
    const parsed = StreamPosition.parse(position.toString());
    expect(parsed.min).toBe(12);
    expect(parsed.positionFor('event_persister2')).toBe(15);
    expect(parsed.positionFor('b.x~')).toBe(13);
    expect(parsed.positionFor('event_persister1')).toBe(12);
    expect(parsed.equals(position)).toBe(true);
    expect(parsed.covers(15, 'event_persister2')).toBe(true);
    expect(parsed.covers(13, 'event_persister1')).toBe(false);
  });

  test('non-ASCII writer names round-trip', () => {
    const position = StreamPosition.fromWriters(new Map([['wörker', 9], ['a', 1]]));
    expect(StreamPosition.parse(position.toString()).positionFor('wörker')).toBe(9);
  });

  test('isAtLeast and union compare writer by writer', () => {
    const a = StreamPosition.parse('m5~x.9');
    const b = StreamPosition.parse('m6~y.7');
    expect(a.isAtLeast(b)).toBe(false);
    expect(b.isAtLeast(a)).toBe(false);
    const u = a.union(b);
    expect(u.toString()).toBe('m6~x.9~y.7');
    expect(u.isAtLeast(a) && u.isAtLeast(b)).toBe(true);
  });

  test.each([
    '',
    '-1',
    '01',
    '1.5',
    '1e3',
    ' 1',
    '9007199254740993',
    'm5',
    'm5~',
    'm5~a.5', // not ahead of min
    'm5~a.4',
    'm5~b.7~a.6', // out of order
    'm5~a.7~a.8', // duplicate
    'm5~a-zz.7',
    'm5~a-41.7', // "A" escaped although it need not be
    'm5~.7',
    'm5~a.07',
  ])('rejects %p', (text) => {
    expectInvalid(() => StreamPosition.parse(text));
  });
});

describe('SyncToken', () => {
  test('round-trips, single writer in the documented form', () => {
    const token = new SyncToken({
      events: StreamPosition.at(12),
      presence: StreamPosition.at(4),
      receipts: StreamPosition.at(7),
      device_lists: StreamPosition.at(2),
    });
    expect(token.toString()).toBe('s12_4_0_7_0_0_0_2');
    const parsed = SyncToken.parse(token.toString());
    expect(parsed.toString()).toBe(token.toString());
    expect(parsed.get('receipts').min).toBe(7);
    expect(parsed.isAtLeast(token) && token.isAtLeast(parsed)).toBe(true);
  });

  test('round-trips multi-writer components', () => {
    const token = SyncToken.ZERO.with('events', StreamPosition.parse('m12~persister2.15'));
    expect(token.toString()).toBe('sm12~persister2.15_0_0_0_0_0_0_0');
    expect(SyncToken.parse(token.toString()).get('events').positionFor('persister2')).toBe(15);
  });

  test('a token from before a stream existed reads the missing streams as 0', () => {
    expect(SyncToken.parse('s5_6').toString()).toBe('s5_6_0_0_0_0_0_0');
  });

  test.each(['', 's', 'x1_2', 's1__2', 's1_2_', 's1_2_3_4_5_6_7_8_9', 's01', 'sm1', 's1 ', 'S1', `s${'1'.repeat(5000)}`])(
    'rejects %p',
    (text) => {
      expectInvalid(() => SyncToken.parse(text));
    },
  );
});

describe('RoomStreamToken', () => {
  test('round-trips the three forms', () => {
    for (const text of ['t12-345', 's345', 'm345~p2.350']) expect(RoomStreamToken.parse(text).toString()).toBe(text);
    expect(RoomStreamToken.parse('t12-345').topological).toBe(12);
    expect(RoomStreamToken.parse('s345').topological).toBeUndefined();
  });

  test('DAG-order tokens may point among backfilled history (negative stream positions)', () => {
    const t = RoomStreamToken.parse('t5--3');
    expect([t.topological, t.stream.min, t.toString()]).toEqual([5, -3, 't5--3']);
    expect(t.covers({ topological: 5, stream: -4 })).toBe(true);
    expect(t.covers({ topological: 5, stream: -2 })).toBe(false);
    for (const bad of ['t5---3', 't-5-3', 's-3', 't5--03']) expect(() => RoomStreamToken.parse(bad)).toThrow();
  });

  test('covers events at or before it, in DAG order or stream order', () => {
    const t = RoomStreamToken.topological(10, 100);
    expect(t.covers({ topological: 9, stream: 500 })).toBe(true);
    expect(t.covers({ topological: 10, stream: 100 })).toBe(true);
    expect(t.covers({ topological: 10, stream: 101 })).toBe(false);
    expect(t.covers({ topological: 11, stream: 1 })).toBe(false);
    const s = RoomStreamToken.parse('m100~p2.120');
    expect(s.covers({ topological: 99, stream: 110, instance: 'p2' })).toBe(true);
    expect(s.covers({ topological: 1, stream: 110, instance: 'p1' })).toBe(false);
    expect(RoomStreamToken.after({ topological: 3, stream: 40 }).toString()).toBe('t3-40');
  });

  test('compares tokens and events', () => {
    const sorted = ['t2-50', 't1-90', 't2-40', 't1-10'].map((t) => RoomStreamToken.parse(t)).sort(compareRoomStreamTokens);
    expect(sorted.map(String)).toEqual(['t1-10', 't1-90', 't2-40', 't2-50']);
    expect(compareRoomStreamTokens(RoomStreamToken.parse('s5'), RoomStreamToken.parse('s9'))).toBeLessThan(0);
    expect(compareEventPositions({ topological: 1, stream: 9 }, { topological: 2, stream: 1 })).toBeLessThan(0);
    expect(compareEventPositions({ topological: 2, stream: 3 }, { topological: 2, stream: 1 })).toBeGreaterThan(0);
  });

  test.each(['', 't', 't1', 't1-', 't-1', 't01-2', 't1-2-3', 's', 's-1', 'sx', 'm1', 'x12', 't1-2 '])('rejects %p', (text) => {
    expectInvalid(() => RoomStreamToken.parse(text));
  });
});
