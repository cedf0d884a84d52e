/** GET /_synapse/admin/v1/room/<room_id>/media: the mxc:// URIs a room's events use, this server's and others'. */
import { knownRoom, type ClientApiContext } from '@lattice/client-api';
import { mediaInRoom, mxcUri } from '@lattice/media';
import { Router, type Request, type Response } from 'express';

export function roomMediaRouter(ctx: ClientApiContext): Router {
  const router = Router();
  router.get('/v1/room/:roomId/media', async (req: Request<{ roomId: string }>, res: Response) => {
    const room = await knownRoom(ctx, req.params.roomId);
    const { local, remote } = await mediaInRoom(ctx.db, room.roomId, ctx.config.server_name);
    const uris = (refs: typeof local) => refs.map((m) => mxcUri(m.serverName, m.mediaId));
    res.json({ local: uris(local), remote: uris(remote) });
  });
  return router;
}
