import { Notifier, StreamPosition, SyncToken } from '@lattice/replication';
import { UserScopedCache } from '../src/sync/user-scoped-cache.js';

const ALICE = '@alice:test';
const BOB = '@bob:test';

/** A worker's token and Notifier, moved by hand: `announce` makes a row visible, as the replication hub does. */
function worker() {
  const notifier = new Notifier();
  let accountData = 1;
  return {
    notifier,
    current: () => new SyncToken({ account_data: StreamPosition.at(accountData) }),
    announce(userId: string) {
      accountData++;
      notifier.notify('account_data', 'main', accountData, [{ user_id: userId }]);
    },
  };
}

describe('UserScopedCache', () => {
  test("serves the loaded value until a row of its stream names the user; other users' rows do not matter", async () => {
    const w = worker();
    const cache = new UserScopedCache<string>(w.notifier, w.current, 'account_data', 'test');
    const loads: string[] = [];
    let value = 'v1';
    const load = async () => {
      loads.push(value);
      return value;
    };
    expect(await cache.get(ALICE, load)).toBe('v1');
    expect(await cache.get(ALICE, load)).toBe('v1');
    w.announce(BOB);
    expect(await cache.get(ALICE, load)).toBe('v1');
    expect(loads).toEqual(['v1']);
    value = 'v2';
    w.announce(ALICE);
    expect(await cache.get(ALICE, load)).toBe('v2');
    expect(await cache.get(ALICE, load)).toBe('v2');
    expect(loads).toEqual(['v1', 'v2']);
  });

  test('a row announced while the value loads makes the next get load again', async () => {
    const w = worker();
    const cache = new UserScopedCache<string>(w.notifier, w.current, 'account_data', 'test');
    let loads = 0;
    // The load reads the old value, and the change lands while it is under way.
    const racing = async () => {
      loads++;
      w.announce(ALICE);
      return `read ${loads}`;
    };
    expect(await cache.get(ALICE, racing)).toBe('read 1');
    expect(await cache.get(ALICE, async () => 'fresh')).toBe('fresh');
  });

  test('`fresh` loads even when cached, and the load is kept', async () => {
    const w = worker();
    const cache = new UserScopedCache<number>(w.notifier, w.current, 'account_data', 'test');
    await cache.get(ALICE, async () => 1);
    expect(await cache.get(ALICE, async () => 2, true)).toBe(2);
    expect(await cache.get(ALICE, async () => 3)).toBe(2);
  });

  test('an entry older than maxAgeMs is loaded again (changes no row announces)', async () => {
    const w = worker();
    let now = 1_000;
    const cache = new UserScopedCache<number>(w.notifier, w.current, 'account_data', 'test', 60_000, 10, () => now);
    await cache.get(ALICE, async () => 1);
    now += 59_999;
    expect(await cache.get(ALICE, async () => 2)).toBe(1);
    now += 1;
    expect(await cache.get(ALICE, async () => 3)).toBe(3);
  });
});
