/**
 * GET /events?room_id=… (peeking_events.yaml; spec "Room Previews"): the new
 * events of one room, for a client that may read it without having joined
 * (world_readable rooms, "only … events where the room state at the event had
 * history_visibility world_readable": the per-event visibility check). Long-polls
 * up to `timeout` ms on the notifier until a visible event arrives. Tokens are
 * stream tokens (`s…`), from /rooms/{roomId}/initialSync or a previous call;
 * without `from` the stream starts now.
 */
import { Errors } from '@lattice/core';
import { roomReadAccess } from '@lattice/rooms';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requesterOf, requireAuth } from '../../http/auth.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { checkRoomId } from '../rooms/ids.js';
import { beforeRead } from '../rooms/read-your-writes.js';
import { formatPosition, parsePaginationToken } from '../timeline/pagination-position.js';
import { queryString } from '../timeline/params.js';
import { assessForRequester } from '../timeline/requester-visibility.js';
import { timelineClientEvents, type VisibleEvent } from '../timeline/serialize.js';
import { catchUpWithToken } from '../timeline/token-wait.js';

/** Synapse's default long-poll time for /events. */
const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 5 * 60_000;
/** Events read from the store per round; the response carries at most this many. */
const BATCH = 100;

function timeoutParam(req: Request): number {
  const raw = queryString(req, 'timeout');
  if (raw === undefined) return DEFAULT_TIMEOUT_MS;
  if (!/^[0-9]+$/.test(raw)) throw Errors.invalidParam("'timeout' must be a non-negative integer");
  return Math.min(Number(raw), MAX_TIMEOUT_MS);
}

function fromParam(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  try {
    return parsePaginationToken(raw).stream;
  } catch {
    throw Errors.invalidParam(`Invalid 'from' token: ${raw}`);
  }
}

export function peekEventsHandler(ctx: ClientApiContext) {
  const { hub, store } = ctx.rooms;
  return async (req: Request, res: Response): Promise<void> => {
    const requester = requesterOf(req);
    const rawRoomId = queryString(req, 'room_id');
    // The room-less, deprecated global event stream is not served: /sync replaced it.
    if (rawRoomId === undefined) throw Errors.missingParam('room_id');
    const roomId = checkRoomId(rawRoomId);
    const rawFrom = queryString(req, 'from');
    const requested = fromParam(rawFrom);
    const timeoutMs = timeoutParam(req);

    await beforeRead(ctx.rooms, requester.userId);
    // Refuses (403) rooms the requester may not read at all, unknown rooms included.
    await roomReadAccess(store, roomId, requester.userId);
    const version = await store.roomVersion(roomId);
    if (version === undefined) throw Errors.forbidden(`Room ${roomId} is not known to this server`);
    if (requested !== undefined) await catchUpWithToken(ctx, { stream: requested });

    const abort = new AbortController();
    // ('close' also follows every answered request: only one the client left early is aborted.)
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const deadline = Date.now() + timeoutMs;
    const start = requested ?? hub.currentToken().get('events').min;
    let from = start;
    for (;;) {
      const to = hub.currentToken();
      const events = await store.roomEventsBetween(roomId, from, to.get('events').min, BATCH, 'asc');
      // A full batch may stop short of `to`: the next call continues after its last event.
      const end = events.length === BATCH ? events[events.length - 1]!.streamOrdering : to.get('events').min;
      const verdicts = await assessForRequester(ctx, requester.userId, events);
      const visible: VisibleEvent[] = events.flatMap((stored, i) => (verdicts[i]!.visible ? [{ stored, membership: verdicts[i]!.membership }] : []));
      const remaining = deadline - Date.now();
      if (visible.length > 0 || remaining <= 0 || abort.signal.aborted) {
        res.json({
          start: rawFrom ?? formatPosition({ stream: start }),
          end: formatPosition({ stream: end }),
          chunk: await timelineClientEvents(ctx, { version, requester }, visible),
        });
        return;
      }
      from = end;
      if (events.length === BATCH) continue;
      const outcome = await hub.notifier.wait({ userId: requester.userId, roomIds: new Set([roomId]), since: to, timeoutMs: remaining, signal: abort.signal });
      if (outcome === 'aborted') return;
    }
  };
}

/** GET /events under the client prefixes; mounted by the sync role (ARCHITECTURE.md §2 routes /events there). */
export function peekEventsRouter(ctx: ClientApiContext): Router {
  const router = Router();
  router.route('/events').get(requireAuth(ctx), peekEventsHandler(ctx)).all(methodNotAllowed);
  return router;
}
