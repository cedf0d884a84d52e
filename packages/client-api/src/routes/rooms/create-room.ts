/**
 * POST /createRoom (create_room.yaml). The whole request is validated before
 * anything is written; the create event and the state that follows it are
 * persisted in one batch, then the alias is mapped, the room published and the
 * invites sent (step 8 of the spec's order).
 */
import { MatrixError } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requesterOf, requireAuth } from '../../http/auth.js';
import { objectBody } from '../../http/body.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { insertAlias } from '../directory/alias-store.js';
import { roomIdOfAlias } from '../directory/aliases.js';
import { setRoomVisibility } from '../directory/room-visibility.js';
import { parseCreateRoomRequest, type CreateRoomRequest } from './create-room-request.js';
import { planCreateRoom } from './create-room-plan.js';
import { isShadowBanned } from '../../accounts/shadow-ban.js';
import { checkInvitee } from './invitees.js';
import { profileContent, sendMemberEvent } from './member-events.js';
import { afterWrite } from './read-your-writes.js';
import { limitInvites, limitRoomCreation } from '../../ratelimit/membership-limits.js';

const roomInUse = (alias: string) => new MatrixError(400, 'M_ROOM_IN_USE', `Room alias ${alias} is already in use`);

/** Creates the room; returns its id. */
export async function createRoom(ctx: ClientApiContext, creator: string, req: CreateRoomRequest): Promise<string> {
  for (const invitee of req.invite) await checkInvitee(ctx, invitee);
  if (req.alias !== undefined && (await roomIdOfAlias(ctx, req.alias)) !== undefined) throw roomInUse(req.alias);

  const plan = planCreateRoom(req, creator, await profileContent(ctx, creator));
  let created: Awaited<ReturnType<typeof ctx.rooms.persister.createRoom>>;
  try {
    created = await ctx.rooms.persister.createRoom(plan);
  } catch (err) {
    // The auth rules refused state the request implied (e.g. an override that leaves the creator powerless).
    if (err instanceof MatrixError && err.status === 403) throw new MatrixError(400, 'M_INVALID_ROOM_STATE', err.message);
    throw err;
  }
  const { roomId } = created;
  let position = Math.max(...created.events.map((e) => e.streamOrdering));

  // Checked above; losing a race for the alias leaves the room without it rather than failing after creation.
  if (req.alias !== undefined && !(await insertAlias(ctx.db, req.alias, roomId, creator, [ctx.config.server_name]))) {
    ctx.logger.warn({ roomId, alias: req.alias }, 'alias was taken while the room was being created');
  }
  if (req.publish) await setRoomVisibility(ctx.db, roomId, 'public');
  for (const target of req.invite) {
    const extra = req.isDirect ? { is_direct: true } : undefined;
    const result = await sendMemberEvent(ctx, { roomId, sender: creator, target, membership: 'invite', extra });
    position = Math.max(position, result.streamOrdering);
  }
  await afterWrite(ctx.rooms, creator, position);
  return roomId;
}

export function createRoomRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function handle(req: Request, res: Response): Promise<void> {
    const requester = requesterOf(req);
    const { userId } = requester;
    const request = parseCreateRoomRequest(objectBody(req), {
      creator: userId,
      serverName: ctx.config.server_name,
      defaultRoomVersion: ctx.config.default_room_version,
    });
    // A shadow-banned creator gets the room, but nobody is invited to it.
    if (isShadowBanned(requester)) request.invite = [];
    // room_alias_name in an appservice's exclusive namespace is that appservice's (400 M_EXCLUSIVE).
    if (request.alias !== undefined) ctx.appservices?.assertNotExclusive('alias', request.alias, requester);
    await limitRoomCreation(ctx, userId);
    await limitInvites(ctx, userId, undefined, request.invite);
    res.json({ room_id: await createRoom(ctx, userId, request) });
  }

  router.route('/createRoom').post(requireAuth(ctx), handle).all(methodNotAllowed);
  return router;
}
