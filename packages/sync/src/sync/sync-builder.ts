/**
 * One /sync response, from `since` (absent: an initial sync) up to `to`, the
 * positions this worker had seen when the request started: everything at or
 * below `to` is committed, so the response never has a gap, and `to` becomes
 * next_batch (ARCHITECTURE.md §4).
 *
 * Rooms go to the section of the user's membership as of `to`:
 *  - join: timeline (newest `limit` events of the window, `limited` and
 *    prev_batch when earlier ones are left out), state (full at the start of
 *    the timeline for an initial sync, a newly joined room or full_state; for a
 *    gappy incremental sync what changed between `since` and the timeline's
 *    start; nothing otherwise), ephemeral, account data, unread counts, summary;
 *  - invite / knock: stripped state; leave: the timeline up to the departure.
 * Every room's data is read in batches across rooms, not room by room.
 */
import { lazyMembersToSend, splitStateKey, stateKeyOf, type CompiledFilter, type StateMap } from '@lattice/core';
import { RoomStreamToken, type SyncToken, type SyncTokenStream } from '@lattice/replication';
import type { ClientApiContext } from '@lattice/client-api';
import type { UnreadCounter } from '../notifications/unread-counts.js';
import type { SyncServices } from '../services.js';
import { GLOBAL_ROOM, accountDataBetween } from '../stores/account-data.js';
import { expiryCutoffs, ignoredUsers, invitesBlocked } from '@lattice/client-api';
import { membershipsAsOf, roomSummaries, type MembershipAt, type RoomSummaryFacts } from '../stores/sync-reads.js';
import { ephemeralEvents, type EphemeralEvent } from './ephemeral.js';
import { formatSyncEvent, type FormatContext } from './event-format.js';
import { stateDelta, statesAt, statesAtTimelineStart } from './room-state.js';
import type { SyncContribution, SyncExtension } from './extensions.js';
import type { KnownChanges } from './known-changes.js';
import { strippedState } from './stripped-state.js';
import { loadTimelines, type LoadedTimeline, type RoomWindow } from './timelines.js';

export interface SyncDeps {
  ctx: ClientApiContext;
  services: SyncServices;
  unread: UnreadCounter;
  /** Sections owned by other packages (end-to-end encryption, presence). */
  extensions: readonly SyncExtension[];
}

export interface SyncRequest {
  userId: string;
  deviceId: string;
  since: SyncToken | undefined;
  to: SyncToken;
  filter: CompiledFilter;
  fullState: boolean;
  /**
   * Set when this worker's Notifier has seen every change after `since` (the
   * token is from this worker's lifetime) and the sync is not full_state:
   * rooms and reads it rules out are skipped, so an incremental sync costs
   * O(changes).
   */
  changes?: KnownChanges;
}

export interface SyncResult {
  body: Record<string, unknown>;
  /** Anything for the client: an empty incremental response makes a long-poll wait. */
  hasUpdates: boolean;
  /** Rooms whose changes concern the user (joined, invited, knocked): what a long-poll waits on. */
  roomIds: Set<string>;
  /** The body with the extensions' late sections (SyncContribution.lateSections): call for the response sent. */
  answer(): Promise<Record<string, unknown>>;
}

/** A room of the join or leave section being built. */
interface TimelineRoom {
  roomId: string;
  section: 'join' | 'leave';
  window: RoomWindow;
  /** Full state at the start of the timeline rather than a delta. */
  full: boolean;
  /** No state at all (a left room the user never joined: it may not see the room). */
  noState?: boolean;
}

const MEMBER = 'm.room.member';

export async function buildSync(deps: SyncDeps, req: SyncRequest): Promise<SyncResult> {
  const { ctx, services } = deps;
  const { db } = ctx;
  const { store } = ctx.rooms;
  const { userId, deviceId, since, to, filter, fullState, changes } = req;
  const initial = since === undefined;
  const sinceEvents = since?.get('events').min ?? 0;
  const toEvents = to.get('events').min;
  const now = Date.now();
  if (initial) services.lazyMembers.reset(userId, deviceId);

  // Without a membership event of the user since `since`, its memberships are the cached ones and none changed
  // (an initial or full_state sync has no `changes`: they always read afresh).
  const ownMembershipsMoved = !changes || changes.user('events');
  const accountFrom = initial || fullState ? 0 : since!.get('account_data').min;
  const accountTo = changes && !changes.user('account_data') ? accountFrom : to.get('account_data').min;
  const [ignored, memberships, changed, accountData] = await Promise.all([
    services.ignoredUsers.get(userId, () => ignoredUsers(db, userId)),
    membershipsAt(deps, userId, toEvents, ownMembershipsMoved),
    initial || !ownMembershipsMoved
      ? Promise.resolve(new Set<string>())
      : store.membershipChangesForUser(userId, sinceEvents, toEvents).then((c) => new Set(c.map((x) => x.roomId))),
    accountDataBetween(db, userId, accountFrom, accountTo),
  ]);
  const accountDataRooms = new Set(accountData.map((row) => row.roomId));
  const atSince = changed.size > 0 ? await membershipsAsOf(db, userId, [...changed], sinceEvents) : new Map<string, MembershipAt>();

  // ---- classify rooms
  const timelineRooms: TimelineRoom[] = [];
  const strippedRooms: Array<{ roomId: string; section: 'invite' | 'knock'; eventId: string }> = [];
  const leaveEventIds: string[] = [];
  const waitRooms = new Set<string>();
  for (const [roomId, m] of memberships) {
    if (m.membership !== 'leave' && m.membership !== 'ban') waitRooms.add(roomId);
    if (!filter.rooms.includesRoomId(roomId)) continue;
    const changedHere = changed.has(roomId);
    const wasJoined = atSince.get(roomId)?.membership === 'join';
    switch (m.membership) {
      case 'join': {
        const newly = initial || (changedHere && !wasJoined);
        if (!newly && changes && !changes.room(roomId) && !accountDataRooms.has(roomId)) break;
        timelineRooms.push({
          roomId,
          section: 'join',
          window: { roomId, from: initial ? 0 : sinceEvents, to: toEvents, joinedAt: m.streamOrdering },
          full: newly || fullState,
        });
        break;
      }
      case 'invite':
      case 'knock':
        if (initial || changedHere || fullState) strippedRooms.push({ roomId, section: m.membership, eventId: m.eventId });
        break;
      case 'leave':
      case 'ban': {
        if (m.forgotten) break;
        if (!filter.rooms.includesRoom(roomId, m.membership, changedHere && !initial)) break;
        if (!initial && !changedHere && !fullState) break;
        leaveEventIds.push(m.eventId);
        const fromStart = initial || fullState || !changedHere;
        timelineRooms.push({
          roomId,
          section: 'leave',
          window: { roomId, from: fromStart ? 0 : sinceEvents, to: m.streamOrdering },
          full: fromStart || !wasJoined,
        });
        break;
      }
    }
  }

  // A departure from a room the user never joined (a refused invite, a withdrawn knock) shows only itself.
  const leaveEvents = await store.getEvents(leaveEventIds);
  for (const room of timelineRooms) {
    if (room.section !== 'leave') continue;
    const leave = leaveEvents.get(memberships.get(room.roomId)!.eventId);
    if (leave && leave.replacesState?.content['membership'] !== 'join') {
      room.window = { roomId: room.roomId, from: leave.streamOrdering - 1, to: leave.streamOrdering, joinedAt: leave.streamOrdering };
      room.noState = true;
    }
  }

  // ---- the extensions' sections (to-device, device lists, presence…), read beside the rooms'
  const joinedRoomIds = new Set([...memberships].filter(([, m]) => m.membership === 'join').map(([roomId]) => roomId));
  const contributionsRead = Promise.all(
    deps.extensions.map((ext) => ext.contribute({ userId, deviceId, since, to, filter, fullState, joinedRoomIds, ...(changes ? { changes } : {}) })),
  );
  // A room has news, so this build most likely answers: its late sections (key counts) are read now
  // too, rather than one round trip after everything else. A build that does not answer drops them.
  const lateRead = timelineRooms.length > 0 ? contributionsRead.then(readLateSections) : undefined;
  lateRead?.catch(() => undefined);

  // ---- timelines, ephemeral, unread counts (independent reads)
  const joinedRooms = timelineRooms.filter((r) => r.section === 'join');
  const joinedIds = joinedRooms.map((r) => r.roomId);
  const receiptsFrom = initial || fullState ? 0 : since!.get('receipts').min;
  const [timelines, ephemeral, unread, contributions] = await Promise.all([
    expiryCutoffs(ctx.config, store, timelineRooms.map((r) => r.roomId)).then((expiredBefore) =>
      loadTimelines({ db, store, userId, filter, ignored, expiredBefore }, timelineRooms.map((r) => r.window)),
    ),
    filter.skips.ephemeral
      ? Promise.resolve(new Map<string, EphemeralEvent[]>())
      : ephemeralEvents(db, ctx.rooms.typing, {
          userId,
          roomIds: joinedIds,
          ignored,
          typingSince: initial ? undefined : since!.get('typing').min,
          receiptsFrom,
          // No receipt in the user's rooms since `since`: an empty window, nothing read.
          receiptsTo: changes && !changes.rooms('receipts', joinedIds) ? receiptsFrom : to.get('receipts').min,
        }),
    // Counts depend on the room and `to` only: read beside the timelines, not one round trip after them
    // (a joined room left out of the response below has its counts read for nothing).
    deps.unread.counts(userId, joinedRooms.map((r) => ({ roomId: r.roomId, joinedAt: r.window.joinedAt ?? 0 })), toEvents),
    contributionsRead,
  ]);

  // ---- state: at the start of each timeline, and at `since` for gappy incremental rooms
  const needsStart = timelineRooms.filter((r) => !r.noState && !filter.skips.state && (r.full || timelines.get(r.roomId)!.limited || (filter.lazyLoadMembers && timelines.get(r.roomId)!.events.length > 0)));
  const gappy = needsStart.filter((r) => !r.full && timelines.get(r.roomId)!.limited);
  const [startStates, sinceStates] = await Promise.all([
    statesAtTimelineStart(db, store, needsStart.map((r) => ({ roomId: r.roomId, at: r.window.to, timeline: timelines.get(r.roomId)! }))),
    statesAt(db, store, gappy.map((r) => ({ roomId: r.roomId, at: sinceEvents }))),
  ]);

  // ---- which rooms have anything to say
  const roomAccountData = new Map<string, Array<{ type: string; content: Record<string, unknown> }>>();
  const globalAccountData: Array<{ type: string; content: Record<string, unknown> }> = [];
  for (const row of accountData) {
    const event = { type: row.type, content: row.content };
    if (row.roomId === GLOBAL_ROOM) {
      if (!filter.skips.accountData && filter.accountData(event)) globalAccountData.push(event);
    } else if (!filter.skips.roomAccountData && filter.roomAccountData(event, row.roomId)) {
      let list = roomAccountData.get(row.roomId);
      if (!list) roomAccountData.set(row.roomId, (list = []));
      list.push(event);
    }
  }
  const ephemeralOf = (roomId: string): EphemeralEvent[] =>
    (ephemeral.get(roomId) ?? []).filter((e) => filter.ephemeral({ type: e.type, content: e.content }, roomId));

  const baseStates = new Map<string, StateMap>();
  for (const room of needsStart) {
    const start = startStates.get(room.roomId)!;
    if (room.full) baseStates.set(room.roomId, start);
    else if (timelines.get(room.roomId)!.limited) baseStates.set(room.roomId, stateDelta(sinceStates.get(room.roomId) ?? new Map(), start));
  }
  const included = timelineRooms.filter((room) => {
    if (initial || room.full || room.section === 'leave') return true;
    const timeline = timelines.get(room.roomId)!;
    return (
      timeline.events.length > 0 ||
      (baseStates.get(room.roomId)?.size ?? 0) > 0 ||
      ephemeralOf(room.roomId).length > 0 ||
      roomAccountData.has(room.roomId)
    );
  });

  // ---- summaries, lazy-loaded members, then every state event in one batch
  const summaryRooms = included.filter(
    (r) => r.section === 'join' && (r.full || timelines.get(r.roomId)!.events.some((e) => e.event.type === MEMBER) || hasMember(baseStates.get(r.roomId))),
  );
  const summaries = await roomSummaries(db, userId, summaryRooms.map((r) => r.roomId));
  const stateIds = new Map<string, string[]>();
  for (const room of included) {
    stateIds.set(room.roomId, selectState(deps, req, room, timelines.get(room.roomId)!, baseStates.get(room.roomId), startStates.get(room.roomId), summaries.get(room.roomId)));
  }
  const stateEvents = await store.getEvents([...stateIds.values()].flat());

  // ---- assemble
  const versions = new Map(
    await Promise.all(included.map(async (r) => [r.roomId, await store.roomVersion(r.roomId)] as const)),
  );
  const rooms: Record<string, Record<string, unknown>> = { join: {}, invite: {}, leave: {}, knock: {} };
  for (const room of included) {
    const timeline = timelines.get(room.roomId)!;
    const version = versions.get(room.roomId);
    if (!version) continue;
    const fc: FormatContext = { filter, roomVersion: version, now, viewer: { userId, deviceId } };
    const sentState = (stateIds.get(room.roomId) ?? []).flatMap((id) => {
      const stored = stateEvents.get(id);
      return stored && filter.state(stored.event, room.roomId) ? [stored] : [];
    });
    if (filter.lazyLoadMembers) {
      deps.services.lazyMembers.record(userId, deviceId, room.roomId, [
        ...sentState.map((s) => s.event),
        ...timeline.events.filter((e) => e.event.type === MEMBER).map((e) => e.event),
      ]);
    }
    const state = sentState.map((stored) => formatSyncEvent(stored, fc));
    const body: Record<string, unknown> = {
      timeline: {
        events: timeline.events.map((e) => formatSyncEvent(e, fc, timeline.membership.get(e.event.event_id))),
        limited: timeline.limited,
        prev_batch: prevBatch(timeline, room.window.to),
      },
      state: { events: state },
      account_data: { events: roomAccountData.get(room.roomId) ?? [] },
    };
    if (room.section === 'join') {
      body.ephemeral = { events: ephemeralOf(room.roomId) };
      const counts = unread.get(room.roomId)!;
      body.unread_notifications = filter.unreadThreadNotifications ? counts.main : counts.total;
      if (filter.unreadThreadNotifications && counts.threads.size > 0) {
        body.unread_thread_notifications = Object.fromEntries(counts.threads);
      }
      const summary = summaries.get(room.roomId);
      if (summary) body.summary = summaryJson(summary);
    }
    rooms[room.section]![room.roomId] = body;
  }

  const strippedEvents = await store.getEvents(strippedRooms.map((r) => r.eventId));
  // Invites to a user who blocks them are not served (spec "Invite permission").
  const invitesHidden = strippedRooms.some((r) => r.section === 'invite') && (await invitesBlocked(db, userId));
  for (const { roomId, section, eventId } of strippedRooms) {
    const membershipEvent = strippedEvents.get(eventId);
    if (!membershipEvent) continue;
    // Invites from ignored users are not shown (spec "Ignoring Users").
    if (section === 'invite' && (invitesHidden || ignored.has(membershipEvent.event.sender))) continue;
    const events = await strippedState(store, membershipEvent);
    rooms[section]![roomId] = section === 'invite' ? { invite_state: { events } } : { knock_state: { events } };
  }

  const roomCount = Object.values(rooms).reduce((n, s) => n + Object.keys(s).length, 0);
  // An extension that sent only part of its stream's rows holds next_batch back for that stream.
  let nextBatch = to;
  for (const contribution of contributions) {
    for (const [stream, position] of Object.entries(contribution.positions ?? {})) {
      nextBatch = nextBatch.with(stream as SyncTokenStream, position);
    }
  }
  const body: Record<string, unknown> = {
    next_batch: nextBatch.toString(),
    account_data: { events: globalAccountData },
    to_device: { events: [] },
    device_lists: { changed: [], left: [] },
    rooms,
  };
  for (const contribution of contributions) {
    Object.assign(body, contribution.sections);
    for (const event of contribution.accountData ?? []) {
      if (!filter.skips.accountData && filter.accountData(event)) globalAccountData.push(event);
    }
  }
  const extensionUpdates = contributions.some((c) => c.hasUpdates);
  const answer = async () => {
    for (const sections of await (lateRead ?? readLateSections(contributions))) Object.assign(body, sections);
    return body;
  };
  return { body, hasUpdates: roomCount > 0 || globalAccountData.length > 0 || extensionUpdates, roomIds: waitRooms, answer };
}

function readLateSections(contributions: readonly SyncContribution[]): Promise<Array<Record<string, unknown> | undefined>> {
  return Promise.all(contributions.map((c) => c.lateSections?.()));
}

/**
 * The user's memberships as of the events position `at` (the current ones, unless they changed since).
 * `fresh` reads them from the database even when cached: their forgotten flags are only cached
 * for syncs that leave out departed rooms.
 */
async function membershipsAt(deps: SyncDeps, userId: string, at: number, fresh: boolean): Promise<Map<string, MembershipAt>> {
  const { store } = deps.ctx.rooms;
  const current = await deps.services.memberships.get(userId, () => store.roomsForUser(userId), fresh);
  const out = new Map<string, MembershipAt>();
  const newer: string[] = [];
  for (const m of current) {
    if (m.streamOrdering <= at) out.set(m.roomId, { membership: m.membership, eventId: m.eventId, streamOrdering: m.streamOrdering, forgotten: m.forgotten });
    else newer.push(m.roomId);
  }
  if (newer.length > 0) for (const [roomId, m] of await membershipsAsOf(deps.ctx.db, userId, newer, at)) out.set(roomId, m);
  return out;
}

function hasMember(state: StateMap | undefined): boolean {
  if (!state) return false;
  for (const key of state.keys()) if (splitStateKey(key)[0] === MEMBER) return true;
  return false;
}

/**
 * The state event ids a room sends: the base (full state or gappy delta) through
 * the state filter; with lazy loading only the members the timeline's senders,
 * the heroes and (for full state) the user need, minus those the device has,
 * plus every membership that changed in a gap (sync.yaml: never lost).
 */
function selectState(
  deps: SyncDeps,
  req: SyncRequest,
  room: TimelineRoom,
  timeline: LoadedTimeline,
  base: StateMap | undefined,
  start: StateMap | undefined,
  summary: RoomSummaryFacts | undefined,
): string[] {
  const { filter, userId, deviceId } = req;
  if (room.noState || filter.skips.state) return [];
  const chosen = new Set<string>();
  const lazy = filter.lazyLoadMembers;
  for (const [key, id] of base ?? []) {
    const [type] = splitStateKey(key);
    if (lazy && type === MEMBER && room.full) continue;
    chosen.add(id);
  }
  if (lazy && start) {
    const alreadySent = deps.services.lazyMembers.sentCheck(userId, deviceId, room.roomId);
    const members = lazyMembersToSend(
      timeline.events.map((e) => e.event),
      {
        includeRedundantMembers: filter.includeRedundantMembers,
        alreadySent: (member) => alreadySent(member, start.get(stateKeyOf(MEMBER, member))),
        extraMembers: [...(room.full ? [userId] : []), ...(summary?.heroes ?? [])],
      },
    );
    for (const member of members) {
      const id = start.get(stateKeyOf(MEMBER, member));
      if (id !== undefined) chosen.add(id);
    }
  }
  return [...chosen];
}

/** Where /messages continues backwards from the timeline's first event (or from the window's end when empty). */
function prevBatch(timeline: LoadedTimeline, windowEnd: number): string {
  const first = timeline.events[0];
  return RoomStreamToken.stream(first ? first.streamOrdering - 1 : windowEnd).toString();
}

function summaryJson(summary: RoomSummaryFacts): Record<string, unknown> {
  const json: Record<string, unknown> = {
    'm.joined_member_count': summary.joined,
    'm.invited_member_count': summary.invited,
  };
  if (summary.heroes) json['m.heroes'] = summary.heroes;
  return json;
}
