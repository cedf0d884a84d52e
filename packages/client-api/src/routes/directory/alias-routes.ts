/**
 * Alias endpoints (directory.yaml): PUT/GET/DELETE /directory/room/{roomAlias}
 * and GET /rooms/{roomId}/aliases. Access control follows Synapse's defaults:
 * creating an alias needs membership in the room (or server admin); deleting
 * one is for its creator, a room moderator or a server admin.
 */
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requesterOf, requireAuth } from '../../http/auth.js';
import { objectBody } from '../../http/body.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { requireString } from '../../http/validate.js';
import { checkRoomId } from '../rooms/ids.js';
import { beforeRead } from '../rooms/read-your-writes.js';
import { aliasesOfRoom, deleteAlias, getAlias } from './alias-store.js';
import { checkAliasSyntax, checkNewAlias, createAlias, isLocalAlias, lookUpRoomAlias } from './aliases.js';
import { removeFromCanonicalAlias } from './canonical-alias.js';
import { canModerateDirectoryEntry, isServerAdmin } from './directory-permissions.js';

type AliasParams = { roomAlias: string };

function notFound(alias: string): Error {
  return Errors.notFound(`Room alias ${alias} not found.`);
}

export function aliasRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);
  const { store } = ctx.rooms;

  async function resolve(req: Request<AliasParams>, res: Response): Promise<void> {
    const alias = checkAliasSyntax(req.params.roomAlias);
    const found = await lookUpRoomAlias(ctx, alias);
    if (!found) throw notFound(alias);
    res.json(found);
  }

  async function create(req: Request<AliasParams>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const alias = checkNewAlias(ctx, req.params.roomAlias);
    // An alias in an appservice's exclusive namespace is that appservice's to create (400 M_EXCLUSIVE).
    ctx.appservices?.assertNotExclusive('alias', alias, requesterOf(req));
    const roomId = checkRoomId(requireString(objectBody(req), 'room_id'));
    await beforeRead(ctx.rooms, userId);
    if ((await store.roomVersion(roomId)) === undefined) throw Errors.notFound(`Room ${roomId} not found`);
    const joined = (await store.membership(roomId, userId))?.membership === 'join';
    if (!joined && !(await isServerAdmin(ctx, userId))) throw Errors.forbidden('You must be in the room to create an alias for it');
    await createAlias(ctx, alias, roomId, userId);
    res.json({});
  }

  async function remove(req: Request<AliasParams>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const alias = checkAliasSyntax(req.params.roomAlias);
    const record = isLocalAlias(ctx, alias) ? await getAlias(ctx.db, alias) : undefined;
    if (!record) throw notFound(alias);
    await beforeRead(ctx.rooms, userId);
    const allowed =
      record.creator === userId || (await isServerAdmin(ctx, userId)) || (await canModerateDirectoryEntry(ctx, record.roomId, userId));
    if (!allowed) throw Errors.forbidden("You don't have permission to delete the alias.");
    if (!(await deleteAlias(ctx.db, alias, record.roomId))) throw notFound(alias);
    await removeFromCanonicalAlias(ctx, record.roomId, alias, userId);
    res.json({});
  }

  /** Members see the room's local aliases; anyone may when its history is world-readable (or as server admin). */
  async function listForRoom(req: Request<{ roomId: string }>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const roomId = checkRoomId(req.params.roomId);
    await beforeRead(ctx.rooms, userId);
    if (!(await mayListAliases(roomId, userId))) throw Errors.forbidden('You are not a member of the room.');
    res.json({ aliases: await aliasesOfRoom(ctx.db, roomId) });
  }

  async function mayListAliases(roomId: string, userId: string): Promise<boolean> {
    if ((await store.membership(roomId, userId))?.membership === 'join') return true;
    const visibility = await store.currentStateEvent(roomId, 'm.room.history_visibility', '');
    if (visibility?.event.content.history_visibility === 'world_readable') return true;
    return isServerAdmin(ctx, userId);
  }

  router.route('/directory/room/:roomAlias').get(resolve).put(auth, create).delete(auth, remove).all(methodNotAllowed);
  router.route('/rooms/:roomId/aliases').get(auth, listForRoom).all(methodNotAllowed);
  return router;
}
