/** The presence state machine and its timers, as pure functions (presence-rules.ts). */
import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '@lattice/core';
import {
  IDLE_TIMEOUT_MS,
  LAST_ACTIVE_GRANULARITY_MS,
  SYNC_ONLINE_TIMEOUT_MS,
  applySetPresence,
  applySyncEnd,
  applySyncStart,
  applyTimeouts,
  offlinePresence,
  presenceContent,
  shouldNotify,
} from '@lattice/presence';

const T0 = 1_700_000_000_000;
const online = applySyncStart(offlinePresence('@a:x'), 'online', T0);

describe('presence rules', () => {
  it('a sync brings an offline user online and active, and that is worth announcing', () => {
    expect(online).toMatchObject({ state: 'online', lastActiveTs: T0, lastUserSyncTs: T0, currentlyActive: true });
    expect(shouldNotify(offlinePresence('@a:x'), online)).toBe(true);
  });

  it('repeated syncs of an active user change nothing others must see', () => {
    const again = applySyncStart(online, 'online', T0 + 10_000);
    expect(again.lastActiveTs).toBe(T0 + 10_000);
    expect(shouldNotify(online, again)).toBe(false);
    expect(shouldNotify(again, applySyncEnd(again, T0 + 40_000))).toBe(false);
  });

  it('a last-active bump of a user not marked active is announced past the granularity only', () => {
    const inactive = { ...online, currentlyActive: false };
    expect(shouldNotify(inactive, { ...inactive, lastActiveTs: T0 + LAST_ACTIVE_GRANULARITY_MS })).toBe(false);
    expect(shouldNotify(inactive, { ...inactive, lastActiveTs: T0 + LAST_ACTIVE_GRANULARITY_MS + 1 })).toBe(true);
  });

  it('set_presence=unavailable marks the user idle without activity', () => {
    const idle = applySyncStart(online, 'unavailable', T0 + 5_000);
    expect(idle).toMatchObject({ state: 'unavailable', lastActiveTs: T0, currentlyActive: false });
  });

  it('PUT offline clears the status message; no message clears it too', () => {
    const withMsg = applySetPresence(online, 'online', 'hi', T0);
    expect(withMsg.statusMsg).toBe('hi');
    expect(applySetPresence(withMsg, 'offline', 'bye', T0).statusMsg).toBeNull();
    expect(applySetPresence(withMsg, 'unavailable', null, T0).statusMsg).toBeNull();
  });

  it('timers: currently_active lapses, then idle, and offline once syncing stopped', () => {
    expect(applyTimeouts(online, T0 + LAST_ACTIVE_GRANULARITY_MS, true)).toBe(online);
    expect(applyTimeouts(online, T0 + LAST_ACTIVE_GRANULARITY_MS + 1, true)).toMatchObject({ state: 'online', currentlyActive: false });
    expect(applyTimeouts(online, T0 + IDLE_TIMEOUT_MS + 1, true)).toMatchObject({ state: 'unavailable' });
    expect(applyTimeouts(online, T0 + SYNC_ONLINE_TIMEOUT_MS, false)).toBe(online);
    expect(applyTimeouts({ ...online, statusMsg: 'x' }, T0 + SYNC_ONLINE_TIMEOUT_MS + 1, false)).toMatchObject({
      state: 'offline',
      statusMsg: null,
    });
    // A recent sync end keeps the user online even with old activity.
    const synced = applySyncEnd({ ...online, state: 'unavailable' }, T0 + IDLE_TIMEOUT_MS);
    expect(applyTimeouts(synced, T0 + IDLE_TIMEOUT_MS + 10_000, false).state).toBe('unavailable');
    expect(applyTimeouts(offlinePresence('@a:x'), T0, false).state).toBe('offline');
  });

  it('formats content as presence.yaml describes', () => {
    expect(presenceContent({ ...online, statusMsg: 'hi' }, T0 + 42)).toEqual({
      presence: 'online',
      last_active_ago: 42,
      status_msg: 'hi',
      currently_active: true,
    });
    expect(presenceContent(offlinePresence('@a:x'), T0)).toEqual({ presence: 'offline' });
  });
});

describe('presence and TURN configuration', () => {
  const base = 'server_name: example.org\n';
  it('has Synapse\'s defaults', () => {
    const config = parseConfig(base, { env: {}, configDir: '/tmp' });
    expect(config.presence).toEqual({ enabled: true });
    expect(config.turn_uris).toEqual([]);
    expect(config.turn_user_lifetime).toBe(3_600_000);
    expect(config.turn_allow_guests).toBe(true);
  });

  it('refuses TURN URIs that are not turn: or turns:', () => {
    expect(() => parseConfig(`${base}turn_uris: ["http://turn.example.org"]\n`, { env: {}, configDir: '/tmp' })).toThrow(/turn_uris/);
  });
});
