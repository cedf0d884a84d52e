/**
 * Room tags (tags.yaml): GET /user/{userId}/rooms/{roomId}/tags and PUT/DELETE
 * …/tags/{tag}, stored as the m.tag room account data ({tags: {name: {order}}}),
 * which /sync sends in the room's account_data.
 */
import { Errors } from '@lattice/core';
import { methodNotAllowed, objectBody, requireAuth, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import type { SyncServices } from '../services.js';
import { getAccountData, updateAccountData } from '../stores/account-data.js';
import { accountDataRoom } from './account-data.js';
import { requireOwnUser } from './own-user.js';

const TAG_TYPE = 'm.tag';
/** "The name of a tag MUST NOT exceed 255 bytes." */
const MAX_TAG_BYTES = 255;

type TagParams = { userId: string; roomId: string; tag: string };

function tagsOf(content: Record<string, unknown> | undefined): Record<string, unknown> {
  const tags = content?.tags;
  return typeof tags === 'object' && tags !== null && !Array.isArray(tags) ? (tags as Record<string, unknown>) : {};
}

function checkTagName(tag: string): void {
  if (Buffer.byteLength(tag, 'utf8') > MAX_TAG_BYTES) throw Errors.invalidParam(`Tag names are at most ${MAX_TAG_BYTES} bytes`);
}

/** The tag's data: any object; `order`, when present, a number in [0, 1] (spec "Room Tagging"). */
function tagData(body: Record<string, unknown>): Record<string, unknown> {
  const order = body.order;
  if (order !== undefined && (typeof order !== 'number' || !Number.isFinite(order) || order < 0 || order > 1)) {
    throw Errors.invalidParam("'order' must be a number between 0 and 1");
  }
  return body;
}

export function tagsRouter(ctx: ClientApiContext, services: SyncServices): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  async function list(req: Request<Omit<TagParams, 'tag'>>, res: Response): Promise<void> {
    const { userId } = requireOwnUser(req, req.params.userId, 'read tags');
    const roomId = accountDataRoom(req.params.roomId);
    await services.beforeRead(userId);
    res.json({ tags: tagsOf(await getAccountData(ctx.db, userId, roomId, TAG_TYPE)) });
  }

  async function change(req: Request<TagParams>, res: Response, data: Record<string, unknown> | undefined): Promise<void> {
    const { userId } = requireOwnUser(req, req.params.userId, 'change tags');
    const roomId = accountDataRoom(req.params.roomId);
    const { tag } = req.params;
    const position = await updateAccountData(ctx.db, services.accountDataWriter, userId, roomId, TAG_TYPE, (current) => {
      const tags = { ...tagsOf(current) };
      if (data === undefined) delete tags[tag];
      else tags[tag] = data;
      return { ...current, tags };
    });
    await services.afterWrite(userId, 'account_data', position);
    res.json({});
  }

  const put = (req: Request<TagParams>, res: Response) => {
    checkTagName(req.params.tag);
    return change(req, res, tagData(objectBody(req)));
  };
  const remove = (req: Request<TagParams>, res: Response) => change(req, res, undefined);

  router.route('/user/:userId/rooms/:roomId/tags').get(auth, list).all(methodNotAllowed);
  router.route('/user/:userId/rooms/:roomId/tags/:tag').put(auth, put).delete(auth, remove).all(methodNotAllowed);
  return router;
}
