import { stateKeyOf, type StateMap } from '@lattice/core';
import { createTestDatabase, StateGroupStore, type Database, type StateDelta } from '@lattice/storage';

const ROOM = '!room:example.org';
const member = (user: string) => stateKeyOf('m.room.member', user);

function members(n: number, prefix = '$join'): StateMap {
  const state: StateMap = new Map([
    [stateKeyOf('m.room.create', ''), '$create'],
    [stateKeyOf('m.room.power_levels', ''), '$pl'],
  ]);
  for (let i = 0; i < n; i++) state.set(member(`@u${i}:example.org`), `${prefix}${i}`);
  return state;
}

describe.each(['postgres', 'pglite'] as const)('StateGroupStore on %s', (kind) => {
  let db: Database;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(() => db.close());

  test('a snapshot reads back exactly, including empty state keys and unusual characters', async () => {
    const store = new StateGroupStore(db);
    const state = members(300);
    state.set(stateKeyOf('org.example.custom', 'key with spaces, "quotes" and 🙂'), '$custom');
    const group = await store.storeSnapshot(ROOM, state);
    expect(await store.getState(group)).toEqual(state);
  });

  test('a large snapshot written in several statements reads back exactly, and deltas build on it', async () => {
    const store = new StateGroupStore(db);
    const state = members(1000);
    const group = await db.transaction(() => store.storeLargeSnapshot(ROOM, state, 300));
    expect(await store.getState(group)).toEqual(state);
    const next = await store.storeDelta(ROOM, group, new Map([[member('@u0:example.org'), null]]));
    const expected = new Map(state);
    expected.delete(member('@u0:example.org'));
    expect(await store.getState(next)).toEqual(expected);
  });

  test('an empty snapshot is a valid, empty state', async () => {
    const store = new StateGroupStore(db);
    expect(await store.getState(await store.storeSnapshot(ROOM, new Map()))).toEqual(new Map());
  });

  test('deltas add, replace and remove keys on top of their previous group', async () => {
    const store = new StateGroupStore(db);
    const base = members(10);
    const g0 = await store.storeSnapshot(ROOM, base);
    const g1 = await store.storeDelta(ROOM, g0, new Map([[member('@new:example.org'), '$newjoin']]));
    const g2 = await store.storeDelta(
      ROOM,
      g1,
      new Map<string, string | null>([
        [member('@u3:example.org'), '$leave3'],
        [member('@u4:example.org'), null],
      ]),
    );

    const expected1 = new Map(base).set(member('@new:example.org'), '$newjoin');
    const expected2 = new Map(expected1).set(member('@u3:example.org'), '$leave3');
    expected2.delete(member('@u4:example.org'));
    expect(await store.getState(g0)).toEqual(base);
    expect(await store.getState(g1)).toEqual(expected1);
    expect(await store.getState(g2)).toEqual(expected2);

    // A delta stores only what changed.
    const stored = await db.query<{ n: number }>('SELECT count(*) AS n FROM state_group_entries WHERE state_group = $1', [g2]);
    expect(stored.rows[0]!.n).toBe(2);
  });

  test('a key removed in a delta can come back in a later one', async () => {
    const store = new StateGroupStore(db);
    const key = stateKeyOf('m.room.topic', '');
    const g0 = await store.storeSnapshot(ROOM, new Map([[key, '$t1']]));
    const g1 = await store.storeDelta(ROOM, g0, new Map([[key, null]]));
    const g2 = await store.storeDelta(ROOM, g1, new Map([[key, '$t2']]));
    expect(await store.getState(g1)).toEqual(new Map());
    expect(await store.getState(g2)).toEqual(new Map([[key, '$t2']]));
  });

  test('chains stay bounded: past the limit a snapshot is written, with the same resulting state', async () => {
    const store = new StateGroupStore(db, { maxDeltaChain: 3 });
    let expected = members(5);
    let group = await store.storeSnapshot(ROOM, expected);
    const depths: number[] = [];
    for (let i = 0; i < 8; i++) {
      const delta: StateDelta = new Map([[member(`@u${i % 5}:example.org`), `$change${i}`]]);
      group = await store.storeDelta(ROOM, group, delta);
      expected = new Map(expected).set(member(`@u${i % 5}:example.org`), `$change${i}`);
      const { rows } = await db.query<{ delta_depth: number }>('SELECT delta_depth FROM state_groups WHERE id = $1', [group]);
      depths.push(rows[0]!.delta_depth);
      expect(await store.getState(group)).toEqual(expected);
    }
    expect(depths).toEqual([1, 2, 3, 0, 1, 2, 3, 0]);
  });

  test('a delta against a group of another room or a missing group is refused', async () => {
    const store = new StateGroupStore(db);
    const g0 = await store.storeSnapshot(ROOM, members(1));
    await expect(store.storeDelta('!other:example.org', g0, new Map())).rejects.toThrow('does not exist in !other:example.org');
    await expect(store.storeDelta(ROOM, 987654321, new Map())).rejects.toThrow('does not exist');
    await expect(store.getState(987654321)).rejects.toThrow('state group 987654321 does not exist');
  });

  test('a group written inside a rolled-back transaction leaves nothing behind', async () => {
    const before = await db.query<{ n: number }>('SELECT count(*) AS n FROM state_groups');
    await expect(
      db.transaction(async (tx) => {
        await new StateGroupStore(tx).storeSnapshot(ROOM, members(20));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const after = await db.query<{ n: number }>('SELECT count(*) AS n FROM state_groups');
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  test('events map to the group holding the state after them', async () => {
    const store = new StateGroupStore(db);
    const group = await store.storeSnapshot(ROOM, members(2));
    await store.setEventStateGroup('$ev', group);
    expect(await store.stateGroupForEvent('$ev')).toBe(group);
    expect(await store.stateGroupForEvent('$unknown')).toBeUndefined();
  });
});
