/**
 * GET/POST/DELETE /_synapse/admin/v1/users/<user_id>/override_ratelimit
 * (Synapse's shape): a local user's own message rate (messages_per_second,
 * burst_count; 0/0 lifts every per-user limit). Applied by client-api's
 * rate-limits.ts on every worker once the `caches` row reaches it.
 */
import { optionalObjectBody, readRatelimitOverride, writeRatelimitOverride, type ClientApiContext } from '@lattice/client-api';
import { Errors } from '@lattice/core';
import { Router, type Request } from 'express';
import { existingLocalUser } from '../http/target-user.js';

type Params = { userId: string };

/** A non-negative integer field, 0 when absent (Synapse's defaults). */
function countField(body: Record<string, unknown>, key: string): number {
  const value = body[key] ?? 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw Errors.invalidParam(`${key} must be a positive integer`);
  return value;
}

export function ratelimitOverrideRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const target = async (req: Request<Params>) => (await existingLocalUser(ctx, req.params.userId, 'Only local users can be ratelimited')).userId;

  router
    .route('/v1/users/:userId/override_ratelimit')
    .get(async (req: Request<Params>, res) => {
      const override = await readRatelimitOverride(ctx.db, await target(req));
      res.json(override ? { messages_per_second: override.messagesPerSecond, burst_count: override.burstCount } : {});
    })
    .post(async (req: Request<Params>, res) => {
      const userId = await target(req);
      const body = optionalObjectBody(req);
      const override = { messagesPerSecond: countField(body, 'messages_per_second'), burstCount: countField(body, 'burst_count') };
      await writeRatelimitOverride(ctx, userId, override);
      res.json({ messages_per_second: override.messagesPerSecond, burst_count: override.burstCount });
    })
    .delete(async (req: Request<Params>, res) => {
      await writeRatelimitOverride(ctx, await target(req), undefined);
      res.json({});
    });
  return router;
}
