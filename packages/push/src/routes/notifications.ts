/**
 * GET /notifications (notifications.yaml): the events that notified the user,
 * newest first, `limit` at a time; `from` is the previous page's next_token (a
 * stream ordering, exclusive) and `only=highlight` keeps highlighted ones.
 */
import { Errors } from '@lattice/core';
import { methodNotAllowed, requireAuth, requesterOf, type ClientApiContext } from '@lattice/client-api';
import { toClientEvent } from '@lattice/rooms';
import type { SyncServices } from '@lattice/sync';
import { Router, type Request, type Response } from 'express';
import { notificationsOf } from '../notifications/notification-reads.js';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

function single(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw Errors.invalidParam(`'${name}' must be given once`);
  return value;
}

function parsePage(req: Request) {
  const from = single(req, 'from');
  const limitText = single(req, 'limit');
  const only = single(req, 'only');
  if (from !== undefined && !/^[0-9]{1,15}$/.test(from)) throw Errors.invalidParam("Invalid 'from' token");
  if (limitText !== undefined && !/^[0-9]{1,9}$/.test(limitText)) throw Errors.invalidParam("'limit' must be a non-negative integer");
  const limit = limitText === undefined ? DEFAULT_LIMIT : Math.min(Number(limitText), MAX_LIMIT);
  return { before: from === undefined ? undefined : Number(from), limit, onlyHighlight: only === 'highlight' };
}

export function notificationsRouter(ctx: ClientApiContext, services: SyncServices): Router {
  const router = Router();

  async function list(req: Request, res: Response): Promise<void> {
    const { userId, deviceId } = requesterOf(req);
    const page = parsePage(req);
    await services.beforeRead(userId);
    const { store } = ctx.rooms;
    const joined = await store.roomsForUser(userId, ['join']);
    const rows =
      page.limit === 0
        ? []
        : await notificationsOf(ctx.db, userId, joined.map((m) => ({ roomId: m.roomId, joinedAt: m.streamOrdering })), page);
    const events = await store.getEvents(rows.map((r) => r.eventId));
    const now = Date.now();
    const notifications = [];
    for (const row of rows) {
      const stored = events.get(row.eventId);
      const version = stored && (await store.roomVersion(row.roomId));
      if (!stored || !version) continue;
      notifications.push({
        actions: row.actions,
        event: toClientEvent(stored, { roomVersion: version, now, viewer: { userId, deviceId } }),
        read: row.read,
        room_id: row.roomId,
        ts: row.ts,
      });
    }
    const body: Record<string, unknown> = { notifications };
    if (rows.length > 0 && rows.length === page.limit) body.next_token = String(rows[rows.length - 1]!.streamOrdering);
    res.json(body);
  }

  router.route('/notifications').get(requireAuth(ctx), list).all(methodNotAllowed);
  return router;
}
