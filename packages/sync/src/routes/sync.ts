/**
 * GET /sync (sync.yaml). The response covers (since, to], `to` being the
 * positions this worker had seen when the request began. A `since` ahead of
 * this worker (another replica issued it) first waits, bounded, until this
 * worker catches up. An incremental sync with nothing for the user long-polls:
 * it waits on the Notifier for a change concerning the user after `to`, and
 * answers at once when one comes, or at the timeout with next_batch = `to`.
 */
import { MatrixError } from '@lattice/core';
import { methodNotAllowed, requireAuth, requesterOf, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { UnreadCounter } from '../notifications/unread-counts.js';
import { UnreadMemo } from '../notifications/unread-memo.js';
import { POSITION_WAIT_MS, type SyncServices } from '../services.js';
import type { SyncExtension } from '../sync/extensions.js';
import { knownChangesSince } from '../sync/known-changes.js';
import { buildSync, type SyncDeps } from '../sync/sync-builder.js';
import { parseSyncParams } from '../sync/sync-params.js';

export function syncEndpointRouter(ctx: ClientApiContext, services: SyncServices, extensions: readonly SyncExtension[]): Router {
  const router = Router();
  const { hub } = ctx.rooms;
  // A sync counts at persisted-up-to positions: each count extends the last one (unread-memo.ts).
  const unreadMemo = new UnreadMemo();
  ctx.rooms.store.onRoomPurged((roomId) => unreadMemo.forgetRoom(roomId));
  const deps: SyncDeps = { ctx, services, unread: new UnreadCounter(ctx.db, unreadMemo), extensions };
  // The Notifier has seen every change after this point: tokens at or past it can skip unchanged reads.
  const observedFrom = hub.currentToken();

  async function sync(req: Request, res: Response): Promise<void> {
    const { userId, deviceId } = requesterOf(req);
    const params = parseSyncParams(req);
    const filter = await services.filters.resolve(userId, params.filter);
    await services.beforeRead(userId);
    if (params.since && !(await hub.waitForToken(params.since, POSITION_WAIT_MS))) {
      throw new MatrixError(503, 'M_UNKNOWN', 'This server has not caught up with the sync token yet; retry');
    }
    // A client that goes away stops its long-poll.
    const abort = new AbortController();
    // ('close' also follows every answered request: aborting then would build a DOMException per response.)
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });

    const deadline = Date.now() + params.timeoutMs;
    let since = params.since;
    const request = { userId, deviceId, filter, fullState: params.fullState };
    // Extensions that track syncing users (presence) hear when this sync begins and when it ends.
    const ends = await Promise.all(
      extensions.map((ext) => ext.syncStarted?.({ userId, deviceId, setPresence: params.setPresence })),
    );
    try {
      for (;;) {
        const to = hub.currentToken();
        // full_state reads everything: no read is skipped for it.
        const changes = params.fullState ? undefined : knownChangesSince(hub.notifier, observedFrom, userId, since, to);
        const result = await buildSync(deps, { ...request, since, to, changes });
        const remaining = deadline - Date.now();
        // full_state answers at once (sync.yaml), as does an initial sync.
        if (result.hasUpdates || since === undefined || params.fullState || remaining <= 0 || abort.signal.aborted) {
          res.json(await result.answer());
          return;
        }
        const outcome = await hub.notifier.wait({ userId, roomIds: result.roomIds, since: to, timeoutMs: remaining, signal: abort.signal });
        if (outcome === 'aborted') return;
        // Nothing for the user lay in (since, to]: the next round reads from `to` only.
        since = to;
      }
    } finally {
      for (const end of ends) end?.();
    }
  }

  router.route('/sync').get(requireAuth(ctx), sync).all(methodNotAllowed);
  return router;
}
