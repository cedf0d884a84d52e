/**
 * Server notices (spec "Server Notices"): the system user named by the
 * `server_notices` config (Synapse's keys) messages a local user in that user's
 * one notices room: a private room the system user creates, tagged
 * m.server_notice in the user's account data, to which the user is invited
 * (joined directly with `auto_join`), where the user cannot post (users_default
 * below events_default). A user who left it gets a new one with the next notice.
 * Notices still in force can be pinned (the spec's "active notices").
 * The admin API calls this; the client API refuses rejecting the invite
 * (M_CANNOT_LEAVE_SERVER_NOTICE_ROOM).
 */
import { Errors, MatrixError } from '@lattice/core';
import {
  afterWrite,
  createRoom,
  createUser,
  getUser,
  joinRoom,
  knownRoom,
  parseCreateRoomRequest,
  sendMemberEvent,
  serverNoticeRoomOf,
  setProfileField,
  setServerNoticeRoom,
  type ClientApiContext,
} from '@lattice/client-api';
import { updateAccountData } from '../stores/account-data.js';

export const SERVER_NOTICE_TAG = 'm.server_notice';
export const SERVER_NOTICE_MSGTYPE = 'm.server_notice';

/** Memberships of the user that keep the notices room in use. */
const IN_ROOM = new Set(['join', 'invite']);

export interface ServerNotice {
  body: string;
  /** Defaults to m.server_notice. */
  msgtype?: string;
  /** e.g. m.server_notice.usage_limit_reached, with limit_type and admin_contact. */
  server_notice_type?: string;
  [key: string]: unknown;
}

export interface SentNotice {
  roomId: string;
  eventId: string;
}

// One notice at a time per user in this process, so a first notice creates one room (and pins: per room).
const queues = new Map<string, Promise<unknown>>();

function serialised<T>(key: string, run: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(run, run);
  const settled = next.catch(() => undefined);
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}

export function systemUserId(ctx: ClientApiContext): string {
  const settings = ctx.config.server_notices;
  if (!settings) throw new MatrixError(400, 'M_UNKNOWN', 'Server notices are not enabled on this server');
  return `@${settings.system_mxid_localpart}:${ctx.config.server_name}`;
}

export interface NoticeOptions {
  /**
   * Pin the notice: "Active notices are represented by the pinned events in the
   * server notices room" (e.g. a usage limit still in force). Unpin with unpinServerNotice.
   */
  pin?: boolean;
}

export async function sendServerNotice(ctx: ClientApiContext, userId: string, notice: ServerNotice, options: NoticeOptions = {}): Promise<SentNotice> {
  const system = systemUserId(ctx);
  if (typeof notice.body !== 'string') throw Errors.invalidParam("A notice needs a string 'body'");
  if (userId === system) throw Errors.invalidParam('The system user cannot receive server notices');
  const user = await getUser(ctx.db, userId);
  if (!user || user.deactivated) throw Errors.notFound(`No such local user: ${userId}`);
  return serialised(userId, async () => {
    await ensureSystemUser(ctx, system);
    const roomId = await noticeRoomFor(ctx, system, userId);
    const content = { ...notice, msgtype: notice.msgtype ?? SERVER_NOTICE_MSGTYPE };
    const sent = await ctx.rooms.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: system, content });
    await afterWrite(ctx.rooms, system, sent.streamOrdering);
    if (options.pin) await changePins(ctx, system, roomId, (pinned) => [...pinned, sent.event.event_id]);
    return { roomId, eventId: sent.event.event_id };
  });
}

/** Ends an active notice: it stays in the room's history, no longer pinned. */
export async function unpinServerNotice(ctx: ClientApiContext, notice: SentNotice): Promise<void> {
  const system = systemUserId(ctx);
  await changePins(ctx, system, notice.roomId, (pinned) => pinned.filter((id) => id !== notice.eventId));
}

/** Read-modify-write of the room's pinned events, one at a time per room in this process. */
function changePins(ctx: ClientApiContext, system: string, roomId: string, change: (pinned: string[]) => string[]): Promise<void> {
  return serialised(`pins ${roomId}`, () => writePins(ctx, system, roomId, change));
}

async function writePins(ctx: ClientApiContext, system: string, roomId: string, change: (pinned: string[]) => string[]): Promise<void> {
  const current = await ctx.rooms.store.currentStateEvent(roomId, 'm.room.pinned_events', '');
  const raw = current?.event.content['pinned'];
  const pinned = Array.isArray(raw) ? raw.filter((id): id is string => typeof id === 'string') : [];
  const next = change(pinned);
  if (next.length === pinned.length && next.every((id, i) => id === pinned[i])) return;
  const sent = await ctx.rooms.persister.createEvent({
    room_id: roomId,
    type: 'm.room.pinned_events',
    state_key: '',
    sender: system,
    content: { pinned: next },
  });
  await afterWrite(ctx.rooms, system, sent.streamOrdering);
}

/**
 * Creates the system user (no password: nobody logs in as it) with the
 * configured profile. An existing account with a password is someone's own
 * account (registered before notices were configured): notices never speak
 * through it.
 */
async function ensureSystemUser(ctx: ClientApiContext, system: string): Promise<void> {
  const existing = await getUser(ctx.db, system);
  if (existing) {
    if (existing.passwordHash !== null || existing.isGuest) {
      throw new MatrixError(500, 'M_UNKNOWN', `${system} is a regular account; choose another server_notices.system_mxid_localpart`);
    }
    return;
  }
  const settings = ctx.config.server_notices!;
  const displayname = settings.system_mxid_display_name ?? settings.system_mxid_localpart;
  // false: another replica created it first, which is as good.
  await ctx.db.transaction(async (tx) => {
    if (!(await createUser(tx, { userId: system, passwordHash: null, displayname }))) return;
    if (settings.system_mxid_avatar_url) await setProfileField(tx, system, 'avatar_url', settings.system_mxid_avatar_url);
  });
}

/** The user's notices room while they are invited or joined; else a new one. */
async function noticeRoomFor(ctx: ClientApiContext, system: string, userId: string): Promise<string> {
  const existing = await serverNoticeRoomOf(ctx.db, userId);
  if (existing !== undefined) {
    const membership = await ctx.rooms.store.membership(existing, userId);
    if (membership && IN_ROOM.has(membership.membership) && !membership.forgotten) return existing;
  }
  const settings = ctx.config.server_notices!;
  const initialState: Array<Record<string, unknown>> = [];
  if (settings.room_avatar_url) initialState.push({ type: 'm.room.avatar', state_key: '', content: { url: settings.room_avatar_url } });
  const request = parseCreateRoomRequest(
    {
      preset: 'private_chat',
      name: settings.room_name,
      ...(settings.room_topic === undefined ? {} : { topic: settings.room_topic }),
      initial_state: initialState,
      // The user reads notices; only the system user (PL 100) posts.
      power_level_content_override: { users_default: -10 },
    },
    { creator: system, serverName: ctx.config.server_name, defaultRoomVersion: ctx.config.default_room_version },
  );
  const roomId = await createRoom(ctx, system, request);
  await setServerNoticeRoom(ctx.db, userId, roomId);
  // Invited directly: the notice must reach users who block invites from people.
  await sendMemberEvent(ctx, { roomId, sender: system, target: userId, membership: 'invite' });
  const position = await updateAccountData(ctx.db, ctx.rooms.hub.writer('account_data'), userId, roomId, 'm.tag', (current) => {
    const tags = typeof current.tags === 'object' && current.tags !== null ? current.tags : {};
    return { ...current, tags: { ...tags, [SERVER_NOTICE_TAG]: {} } };
  });
  await ctx.rooms.userWrites.record(userId, { account_data: position });
  if (settings.auto_join) await joinRoom(ctx, await knownRoom(ctx, roomId), userId);
  return roomId;
}
