/**
 * Synapse's federation admin API: the servers this one sends to with their
 * retry state, the rooms shared with each, and reset_connection, which ends a
 * destination's backoff so the federation sender (whichever worker runs it,
 * told through the `caches` stream) tries it at once.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { Errors, MatrixError } from '@lattice/core';
import { DESTINATION_ORDERS, DESTINATION_RETRY_CACHE, DestinationStatusStore } from '@lattice/federation';
import { invalidatingWrite, type CacheRow } from '@lattice/replication';
import { Router, type Request, type Response } from 'express';
import { enumParam, intParam } from '../http/query-params.js';

type DestinationParams = { destination: string };

const PREFIX = '/v1/federation/destinations';

export function federationDestinationsRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const store = new DestinationStatusStore(ctx.db, ctx.rooms.store);
  const page = (req: Request) => ({
    from: intParam(req, 'from', 0),
    limit: intParam(req, 'limit', 100),
    dir: enumParam(req, 'dir', ['f', 'b'] as const, 'f'),
  });
  const known = async (destination: string) => {
    const status = await store.get(destination);
    if (status === undefined) throw Errors.notFound('Unknown destination');
    return status;
  };

  router.get(PREFIX, async (req: Request, res: Response) => {
    const { from, limit, dir } = page(req);
    const orderBy = enumParam(req, 'order_by', DESTINATION_ORDERS, 'destination');
    const { destinations, total } = await store.list({ from, limit, dir, orderBy });
    res.json({ destinations, total, ...nextToken(from, destinations.length, total) });
  });

  router.get(`${PREFIX}/:destination`, async (req: Request<DestinationParams>, res: Response) => {
    res.json(await known(req.params.destination));
  });

  router.get(`${PREFIX}/:destination/rooms`, async (req: Request<DestinationParams>, res: Response) => {
    const { destination } = await known(req.params.destination);
    const { from, limit, dir } = page(req);
    const { rooms, total } = await store.rooms(destination, { from, limit, dir });
    res.json({ rooms, total, ...nextToken(from, rooms.length, total) });
  });

  router.post(`${PREFIX}/:destination/reset_connection`, async (req: Request<DestinationParams>, res: Response) => {
    const { destination, retry_last_ts } = await known(req.params.destination);
    if (retry_last_ts === 0) throw new MatrixError(400, 'M_UNKNOWN', 'The retry timing does not need to be reset for this destination.');
    const { hub } = ctx.rooms;
    const row: CacheRow = { cache: DESTINATION_RETRY_CACHE, keys: [destination] };
    // The backoff ends and the sender hears of it in one commit.
    await invalidatingWrite(hub, ctx.db, row, (tx) => store.clearBackoff(tx, destination));
    res.json({});
  });

  return router;
}

/** Synapse's pagination: `next_token` (the next `from`, as a string) while more remain. */
function nextToken(from: number, returned: number, total: number): { next_token?: string } {
  return from + returned < total ? { next_token: String(from + returned) } : {};
}
