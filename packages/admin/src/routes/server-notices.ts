/**
 * Synapse's server notices admin API: POST /v1/send_server_notice, and PUT
 * /v1/send_server_notice/{txnId} whose retries answer the first notice. The
 * notice goes through the server notices code (the user's notices room,
 * created and tagged as needed); 400 when server_notices is not configured.
 */
import { objectBody, requesterOf, type ClientApiContext } from '@lattice/client-api';
import { Errors, MatrixError, serverNameOf } from '@lattice/core';
import { sendServerNotice, type ServerNotice } from '@lattice/sync';
import { Router, type Request, type Response } from 'express';
import { noticeOfTxn, recordNoticeTxn, type NoticeTxn } from '../stores/server-notice-txns.js';

const PATH = '/v1/send_server_notice';

export function serverNoticesRouter(ctx: ClientApiContext): Router {
  const router = Router();
  // One send per (admin device, txnId) at a time in this process: a quick retry waits for the first and gets its answer.
  const inFlight = new Map<string, Promise<string>>();

  router.post(PATH, async (req: Request, res: Response) => {
    res.json({ event_id: await send(ctx, req) });
  });

  router.put(`${PATH}/:txnId`, async (req: Request<{ txnId: string }>, res: Response) => {
    const { userId, deviceId } = requesterOf(req);
    const txn: NoticeTxn = { userId, deviceId, txnId: req.params.txnId };
    const key = JSON.stringify(txn);
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = (async () => (await noticeOfTxn(ctx.db, txn)) ?? recordNoticeTxn(ctx.db, txn, await send(ctx, req)))();
      inFlight.set(key, pending);
      void pending.catch(() => undefined).finally(() => inFlight.delete(key));
    }
    res.json({ event_id: await pending });
  });

  return router;
}

async function send(ctx: ClientApiContext, req: Request): Promise<string> {
  if (!ctx.config.server_notices) throw new MatrixError(400, 'M_UNKNOWN', 'Server notices are not enabled on this server');
  const body = objectBody(req);
  const { user_id: userId, content, type } = body;
  if (userId === undefined) throw Errors.missingParam('user_id');
  if (content === undefined) throw Errors.missingParam('content');
  if (typeof userId !== 'string') throw Errors.invalidParam("'user_id' must be a user id");
  if (typeof content !== 'object' || content === null || Array.isArray(content)) throw Errors.invalidParam("'content' must be an object");
  if (type !== undefined && type !== 'm.room.message') throw Errors.invalidParam('Only m.room.message server notices are supported');
  if (body.state_key !== undefined) throw Errors.invalidParam('State events cannot be sent as server notices');
  if (serverNameOf(userId) !== ctx.config.server_name) throw new MatrixError(400, 'M_UNKNOWN', 'Server notices can only be sent to local users');
  const sent = await sendServerNotice(ctx, userId, content as ServerNotice);
  return sent.eventId;
}
