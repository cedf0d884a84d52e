/**
 * One change of presence wakes the long-polls of every user sharing a room
 * with the changed user; they all then ask for the changes in the same window
 * (since, to]. This cache reads each window once (concurrent askers share the
 * query) and keeps the last few windows briefly, so a change costs one query
 * however many syncs it wakes. Entries are short-lived: membership, read with
 * the rows, moves on.
 */
import type { Queryable } from '@lattice/storage';
import { presenceChangesBetween, type PresenceChange } from './presence-store.js';

const MAX_WINDOWS = 64;
const TTL_MS = 2_000;
/** Larger windows (a client back after a long absence) are read for the one asker, not kept. */
const MAX_CACHED_ROWS = 1_000;

interface Entry {
  at: number;
  rows: Promise<PresenceChange[]>;
}

export class ChangedPresenceCache {
  private readonly windows = new Map<string, Entry>();

  constructor(private readonly db: Queryable) {}

  between(from: number, to: number): Promise<PresenceChange[]> {
    const key = `${from}:${to}`;
    const now = Date.now();
    const hit = this.windows.get(key);
    if (hit && now - hit.at <= TTL_MS) return hit.rows;
    const rows = presenceChangesBetween(this.db, from, to);
    this.windows.delete(key);
    this.windows.set(key, { at: now, rows });
    if (this.windows.size > MAX_WINDOWS) this.windows.delete(this.windows.keys().next().value!);
    // A failed read or a large window is not kept.
    rows.then(
      (result) => {
        if (result.length > MAX_CACHED_ROWS && this.windows.get(key)?.rows === rows) this.windows.delete(key);
      },
      () => {
        if (this.windows.get(key)?.rows === rows) this.windows.delete(key);
      },
    );
    return rows;
  }
}
