import { jest } from '@jest/globals';
import { CoalescedPresenceSyncs, LINGER_MS, RENEW_MS } from '../src/internal/coalesced-presence-syncs.js';

const ALICE = '@alice:test';

/** A presence writer stand-in: counts forwarded syncs started and ended. */
function writer() {
  const log: string[] = [];
  let n = 0;
  let fail = false;
  return {
    log,
    failNext() {
      fail = true;
    },
    start: async (userId: string, deviceId: string, setPresence: string | undefined) => {
      if (fail) {
        fail = false;
        throw new Error('writer unreachable');
      }
      const id = ++n;
      log.push(`start ${id} ${userId} ${deviceId} ${setPresence ?? 'default'}`);
      return () => log.push(`end ${id}`);
    },
  };
}

describe('CoalescedPresenceSyncs', () => {
  let now = 1_000_000;
  beforeEach(() => {
    jest.useFakeTimers();
    now = 1_000_000;
  });
  afterEach(() => jest.useRealTimers());

  test("a device's back-to-back syncs are one forwarded sync, ended LINGER_MS after the last", async () => {
    const w = writer();
    const syncs = new CoalescedPresenceSyncs(w.start, () => now);
    for (let i = 0; i < 5; i++) {
      const end = await syncs.begin(ALICE, 'PHONE', undefined);
      end();
      end(); // ending twice counts once
      jest.advanceTimersByTime(LINGER_MS - 1);
    }
    expect(w.log).toEqual([`start 1 ${ALICE} PHONE default`]);
    jest.advanceTimersByTime(1);
    await Promise.resolve();
    expect(w.log).toEqual([`start 1 ${ALICE} PHONE default`, 'end 1']);
    expect(syncs.size).toBe(0);
  });

  test('overlapping syncs keep it open until the last ends; another device or set_presence is its own', async () => {
    const w = writer();
    const syncs = new CoalescedPresenceSyncs(w.start, () => now);
    const a = await syncs.begin(ALICE, 'PHONE', undefined);
    const b = await syncs.begin(ALICE, 'PHONE', undefined);
    const c = await syncs.begin(ALICE, 'LAPTOP', undefined);
    const d = await syncs.begin(ALICE, 'PHONE', 'unavailable');
    expect(w.log).toHaveLength(3);
    a();
    jest.advanceTimersByTime(LINGER_MS * 2);
    await Promise.resolve();
    expect(w.log.filter((l) => l.startsWith('end'))).toEqual([]);
    b();
    c();
    d();
    jest.advanceTimersByTime(LINGER_MS);
    await Promise.resolve();
    expect(w.log.filter((l) => l.startsWith('end')).sort()).toEqual(['end 1', 'end 2', 'end 3']);
  });

  test('a forwarded sync older than RENEW_MS is replaced at the next sync (activity, and the lease)', async () => {
    const w = writer();
    const syncs = new CoalescedPresenceSyncs(w.start, () => now);
    (await syncs.begin(ALICE, 'PHONE', undefined))();
    now += RENEW_MS;
    (await syncs.begin(ALICE, 'PHONE', undefined))();
    await Promise.resolve();
    expect(w.log).toEqual([`start 1 ${ALICE} PHONE default`, `start 2 ${ALICE} PHONE default`, 'end 1']);
  });

  test('a failed start fails that sync only; the next one tries again', async () => {
    const w = writer();
    const syncs = new CoalescedPresenceSyncs(w.start, () => now);
    w.failNext();
    await expect(syncs.begin(ALICE, 'PHONE', undefined)).rejects.toThrow('writer unreachable');
    expect(syncs.size).toBe(0);
    const end = await syncs.begin(ALICE, 'PHONE', undefined);
    expect(w.log).toEqual([`start 1 ${ALICE} PHONE default`]);
    end();
  });

  test('endAll ends every forwarded sync at once (shutdown)', async () => {
    const w = writer();
    const syncs = new CoalescedPresenceSyncs(w.start, () => now);
    await syncs.begin(ALICE, 'PHONE', undefined);
    (await syncs.begin(ALICE, 'LAPTOP', undefined))();
    syncs.endAll();
    await Promise.resolve();
    expect(w.log.filter((l) => l.startsWith('end')).sort()).toEqual(['end 1', 'end 2']);
    expect(syncs.size).toBe(0);
  });
});
