/**
 * GET /_matrix/client/v1/mutual_rooms?user_id=… (spec v1.19 "Mutual Rooms"):
 * the rooms the requester and `user_id` are both joined to, in batches of
 * BATCH_SIZE with an opaque `next_batch` (the last room id returned and when
 * the first token was issued; tokens expire after TOKEN_LIFETIME_MS).
 */
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../context.js';
import { requesterOf, requireAuth } from '../http/auth.js';
import { decodeJsonToken, encodeJsonToken } from '../http/json-token.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { mutualJoinedRooms } from '../stores/mutual-rooms.js';
import { checkUserId } from './rooms/ids.js';
import { beforeRead } from './rooms/read-your-writes.js';

const BATCH_SIZE = 100;
/** The spec: valid for at least 10 minutes. */
const TOKEN_LIFETIME_MS = 60 * 60_000;

interface BatchToken {
  after: string;
  issued: number;
}

function encodeToken(token: BatchToken): string {
  return encodeJsonToken([token.after, token.issued]);
}

function decodeToken(raw: string, now: number): BatchToken {
  const invalid = () => Errors.invalidParam("Invalid or expired 'from' token");
  const parsed = decodeJsonToken(raw);
  if (parsed === undefined || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'number') throw invalid();
  const [after, issued] = parsed as [string, number];
  if (issued > now || now - issued > TOKEN_LIFETIME_MS) throw invalid();
  return { after, issued };
}

export interface MutualRoomsPage {
  joined: string[];
  count: number;
  next_batch?: string;
}

/** One batch of `rooms` (ascending room ids) after the `from` token; M_INVALID_PARAM for a bad or expired token. */
export function mutualRoomsPage(rooms: readonly string[], from: string | undefined, now: number, batchSize = BATCH_SIZE): MutualRoomsPage {
  const token = from === undefined ? undefined : decodeToken(from, now);
  const start = token === undefined ? 0 : rooms.findIndex((roomId) => roomId > token.after);
  const joined = start < 0 ? [] : rooms.slice(start, start + batchSize);
  const page: MutualRoomsPage = { joined, count: rooms.length };
  if (start >= 0 && start + batchSize < rooms.length) {
    page.next_batch = encodeToken({ after: joined[joined.length - 1]!, issued: token?.issued ?? now });
  }
  return page;
}

export function mutualRoomsRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function handle(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const other = req.query.user_id;
    if (other === undefined) throw Errors.missingParam('user_id');
    if (typeof other !== 'string') throw Errors.invalidParam("'user_id' must be given once");
    checkUserId(other);
    if (other === userId) throw Errors.invalidParam('Cannot look up mutual rooms with yourself');
    const from = req.query.from;
    if (from !== undefined && typeof from !== 'string') throw Errors.invalidParam("'from' must be given once");
    // A bad token fails before any work.
    if (from !== undefined) decodeToken(from, Date.now());

    await beforeRead(ctx.rooms, userId);
    const rooms = await mutualJoinedRooms(ctx.db, userId, other);
    res.json(mutualRoomsPage(rooms, from, Date.now()));
  }

  router.route('/mutual_rooms').get(requireAuth(ctx), handle).all(methodNotAllowed);
  return router;
}
