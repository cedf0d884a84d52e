/**
 * The timeline of each room of a sync: the newest `limit` events of its window
 * that the user may see (history visibility), the filter keeps and ignored
 * users did not send, oldest first; `limited` when earlier events of the window
 * were left out. Windows of every room are read together.
 */
import type { CompiledFilter } from '@lattice/core';
import { isExpired } from '@lattice/client-api';
import { assessVisibility, type EventWindow, type RoomStore, type StoredEvent } from '@lattice/rooms';
import type { Database } from '@lattice/storage';

export interface RoomWindow extends EventWindow {
  /** Stream position of the user's join when they are joined now: every later event is visible to them. */
  joinedAt?: number;
}

export interface LoadedTimeline {
  /** Oldest first. */
  events: StoredEvent[];
  /** The user's membership at each returned event (unsigned.membership). */
  membership: Map<string, string | undefined>;
  limited: boolean;
  /**
   * Every event of the window from the first returned one to the window's end,
   * newest first, visible to the user or not, kept by the filter or not: what
   * the state at the start of the timeline is rewound through.
   */
  replayed: StoredEvent[];
}

export interface TimelineOptions {
  db: Database;
  store: RoomStore;
  userId: string;
  filter: CompiledFilter;
  ignored: ReadonlySet<string>;
  /** Message retention: per room, messages sent before this time have expired and are left out. */
  expiredBefore?: ReadonlyMap<string, number>;
}

interface RoomProgress {
  window: RoomWindow;
  kept: StoredEvent[];
  fetched: StoredEvent[];
  membership: Map<string, string | undefined>;
  /** Position below which nothing was fetched yet (exclusive upper bound of the next batch). */
  below: number;
  exhausted: boolean;
  limited: boolean;
}

export async function loadTimelines(opts: TimelineOptions, windows: readonly RoomWindow[]): Promise<Map<string, LoadedTimeline>> {
  const limit = opts.filter.timelineLimit;
  const batch = limit + 1;
  const progress = new Map<string, RoomProgress>();
  for (const window of windows) {
    progress.set(window.roomId, {
      window,
      kept: [],
      fetched: [],
      membership: new Map(),
      below: window.to,
      exhausted: window.to <= window.from || opts.filter.skips.timeline,
      limited: false,
    });
  }
  // Rooms whose batch filtered down below the limit read further back; rare, so a few rounds at most.
  for (let open = [...progress.values()].filter((p) => !p.exhausted); open.length > 0; open = open.filter((p) => !p.exhausted)) {
    const found = await opts.store.recentEvents(
      open.map((p) => ({ roomId: p.window.roomId, from: p.window.from, to: p.below })),
      batch,
    );
    const batchEvents = open.map((p) => ({ p, events: found.get(p.window.roomId) ?? [] }));
    await applyVisibility(opts, batchEvents);
    for (const { p, events: list } of batchEvents) consume(p, list, batch, limit, opts);
  }
  const out = new Map<string, LoadedTimeline>();
  for (const [roomId, p] of progress) {
    const first = p.kept[p.kept.length - 1];
    out.set(roomId, {
      events: [...p.kept].reverse(),
      membership: p.membership,
      limited: p.limited,
      replayed: first ? p.fetched.filter((e) => e.streamOrdering >= first.streamOrdering) : p.fetched,
    });
  }
  return out;
}

/** History visibility, checked in one batch for every event the join position does not already vouch for. */
async function applyVisibility(
  opts: TimelineOptions,
  batches: Array<{ p: RoomProgress; events: StoredEvent[] }>,
): Promise<void> {
  const unknown: Array<{ p: RoomProgress; stored: StoredEvent }> = [];
  for (const { p, events } of batches) {
    for (const stored of events) {
      const joinedAt = p.window.joinedAt;
      if (joinedAt !== undefined && stored.streamOrdering >= joinedAt) p.membership.set(stored.event.event_id, 'join');
      else unknown.push({ p, stored });
    }
  }
  if (unknown.length === 0) return;
  const verdicts = await assessVisibility(opts.db, opts.userId, unknown.map((u) => u.stored));
  unknown.forEach(({ p, stored }, i) => {
    const verdict = verdicts[i]!;
    if (verdict.visible) p.membership.set(stored.event.event_id, verdict.membership);
  });
}

function consume(p: RoomProgress, events: StoredEvent[], batch: number, limit: number, opts: TimelineOptions): void {
  for (const stored of events) {
    if (p.kept.length === limit) {
      // An earlier event of the window exists that the timeline leaves out: a gap.
      p.limited = true;
      p.exhausted = true;
      return;
    }
    // An expired message (retention): what lies before it has expired too, and is not read through.
    if (isExpired(stored.event, opts.expiredBefore)) {
      p.exhausted = true;
      return;
    }
    p.fetched.push(stored);
    if (p.membership.has(stored.event.event_id) && keeps(opts, stored)) p.kept.push(stored);
  }
  if (events.length < batch) p.exhausted = true;
  else p.below = events[events.length - 1]!.streamOrdering - 1;
}

function keeps(opts: TimelineOptions, stored: StoredEvent): boolean {
  const { event } = stored;
  // Ignored users' messages disappear; their state changes still shape the room.
  if (event.state_key === undefined && opts.ignored.has(event.sender)) return false;
  return opts.filter.timeline(event, event.room_id);
}
