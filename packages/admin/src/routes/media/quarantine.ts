/**
 * Quarantine (Synapse's media admin API): media an admin quarantines is
 * refused to every client and server (404) until unquarantined; protected
 * media is left alone. By id (local or cached remote), by room (every mxc://
 * URI its events use) or by uploader.
 */
import { knownRoom, requesterOf, type ClientApiContext } from '@lattice/client-api';
import { Errors, isValidUserId } from '@lattice/core';
import {
  mediaInRoom,
  mediaRefOf,
  quarantineLocalMedia,
  quarantineRemoteMedia,
  quarantineUserMedia,
  unquarantineMedia,
  type MediaRef,
} from '@lattice/media';
import { Router, type Request, type Response } from 'express';

type MediaParams = { serverName: string; mediaId: string };

export function quarantineRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const serverName = ctx.config.server_name;
  const originOf = (ref: MediaRef) => (ref.serverName === serverName ? undefined : ref.serverName);

  async function quarantineOne(req: Request<MediaParams>, res: Response): Promise<void> {
    const ref = mediaRefOf(req.params);
    const by = requesterOf(req).userId;
    const origin = originOf(ref);
    if (origin === undefined) await quarantineLocalMedia(ctx.db, [ref.mediaId], by);
    else await quarantineRemoteMedia(ctx.db, origin, [ref.mediaId], by);
    res.json({});
  }

  async function unquarantineOne(req: Request<MediaParams>, res: Response): Promise<void> {
    const ref = mediaRefOf(req.params);
    await unquarantineMedia(ctx.db, originOf(ref), ref.mediaId);
    res.json({});
  }

  async function quarantineRoom(req: Request<{ roomId: string }>, res: Response): Promise<void> {
    const room = await knownRoom(ctx, req.params.roomId);
    const by = requesterOf(req).userId;
    const { local, remote } = await mediaInRoom(ctx.db, room.roomId, serverName);
    let count = await quarantineLocalMedia(ctx.db, local.map((m) => m.mediaId), by);
    const byOrigin = new Map<string, string[]>();
    for (const m of remote) byOrigin.set(m.serverName, [...(byOrigin.get(m.serverName) ?? []), m.mediaId]);
    for (const [origin, ids] of byOrigin) count += await quarantineRemoteMedia(ctx.db, origin, ids, by);
    res.json({ num_quarantined: count });
  }

  async function quarantineUser(req: Request<{ userId: string }>, res: Response): Promise<void> {
    const { userId } = req.params;
    if (!isValidUserId(userId)) throw Errors.invalidParam(`Invalid user id: ${userId}`);
    res.json({ num_quarantined: await quarantineUserMedia(ctx.db, userId, requesterOf(req).userId) });
  }

  router.post('/v1/media/quarantine/:serverName/:mediaId', quarantineOne);
  router.post('/v1/media/unquarantine/:serverName/:mediaId', unquarantineOne);
  router.post('/v1/room/:roomId/media/quarantine', quarantineRoom);
  // Synapse's older path for the same.
  router.post('/v1/quarantine_media/:roomId', quarantineRoom);
  router.post('/v1/user/:userId/media/quarantine', quarantineUser);
  return router;
}
