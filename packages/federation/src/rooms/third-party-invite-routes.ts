/**
 * The federation side of third-party invites (data/api/server-server/
 * third_party_invite.yaml):
 *  - PUT /_matrix/federation/v1/3pid/onbind: an identity server says a 3PID is
 *    now bound to one of our users and lists the invites it held for it. Each
 *    becomes an invite of that user: sent here when this server is in the room
 *    and the inviter is ours, else exchanged at the inviter's (then the room's)
 *    server. Identity servers do not sign with X-Matrix: this route sits outside
 *    federation authentication; the proof is the `signed` block, checked against
 *    the room's m.room.third_party_invite keys by whichever server sends the invite.
 *  - PUT /_matrix/federation/v1/exchange_third_party_invite/{roomId}: the
 *    invitee's server asks us (in the room, the inviter's server) to send it.
 */
import { Errors, isValidUserId, serverNameOf } from '@lattice/core';
import { getProfile, methodNotAllowed, objectBody, rawBody, serverInRoom } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { originOf, type FederationDeps } from '../api.js';
import { asClientError } from '../transport/client-facing-error.js';
import { redeemThirdPartyInvite } from './third-party-invite-redeem.js';
import { serverAclAllows } from './server-acl.js';

type Body = Record<string, unknown>;

function isObject(v: unknown): v is Body {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function userIdField(body: Body, key: string): string {
  const value = body[key];
  if (value === undefined) throw Errors.missingParam(key);
  if (typeof value !== 'string' || !isValidUserId(value)) throw Errors.invalidParam(`${key} must be a user ID`);
  return value;
}

function signedField(holder: Body): Body {
  const signed = holder['signed'];
  if (signed === undefined) throw Errors.missingParam('signed');
  if (!isObject(signed)) throw Errors.badJson('signed must be an object');
  return signed;
}

/** PUT /exchange_third_party_invite/{roomId}, behind X-Matrix authentication. */
export function exchangeThirdPartyInviteRoutes(deps: FederationDeps): Router {
  const router = Router();
  router
    .route('/_matrix/federation/v1/exchange_third_party_invite/:roomId')
    .put(async (req: Request<{ roomId: string }>, res: Response) => {
      const origin = originOf(req);
      const { roomId } = req.params;
      const body = objectBody(req);
      if (body['type'] !== 'm.room.member') throw Errors.badJson('type must be m.room.member');
      if (body['room_id'] !== roomId) throw Errors.badJson('room_id does not match the path');
      const sender = userIdField(body, 'sender');
      const mxid = userIdField(body, 'state_key');
      const content = body['content'];
      if (!isObject(content) || content['membership'] !== 'invite') throw Errors.badJson('content.membership must be invite');
      const thirdParty = content['third_party_invite'];
      if (!isObject(thirdParty)) throw Errors.missingParam('third_party_invite');
      // Only the invitee's own server redeems its users' invites.
      if (serverNameOf(mxid) !== origin) throw Errors.forbidden(`${mxid} is not a user of ${origin}`);
      const acl = await deps.ctx.rooms.store.currentStateEvent(roomId, 'm.room.server_acl', '');
      if (!serverAclAllows(acl?.event.content, origin)) throw Errors.forbidden(`${origin} is denied by the room's server ACL`);
      await redeemThirdPartyInvite(deps, { roomId, sender, mxid, signed: signedField(thirdParty) });
      res.json({});
    })
    .all(methodNotAllowed);
  return router;
}

/** PUT /3pid/onbind, mounted before federation authentication (identity servers call it). */
export function onBindRoute(deps: FederationDeps, maxBodyBytes: number): Router {
  const router = Router();
  router
    .route('/_matrix/federation/v1/3pid/onbind')
    .put(rawBody(maxBodyBytes), async (req: Request, res: Response) => {
      const body = objectBody(req);
      const mxid = userIdField(body, 'mxid');
      for (const key of ['medium', 'address']) if (typeof body[key] !== 'string') throw Errors.missingParam(key);
      const invites = body['invites'];
      if (!Array.isArray(invites)) throw Errors.missingParam('invites');
      if (serverNameOf(mxid) !== deps.serverName) throw Errors.invalidParam(`${mxid} is not a user of this server`);
      if ((await getProfile(deps.ctx.db, mxid)) === undefined) throw Errors.notFound(`Unknown user ${mxid}`);
      // Every invite is tried; the first failure is the answer (the identity server may retry).
      let failure: unknown;
      for (const invite of invites) {
        try {
          await bindInvite(deps, mxid, invite);
        } catch (err) {
          deps.ctx.logger.info({ err, mxid }, 'third-party invite from /3pid/onbind not redeemed');
          failure ??= err;
        }
      }
      if (failure !== undefined) throw asClientError(failure);
      res.json({});
    })
    .all(methodNotAllowed);
  return router;
}

async function bindInvite(deps: FederationDeps, mxid: string, invite: unknown): Promise<void> {
  if (!isObject(invite)) throw Errors.badJson('Each invite must be an object');
  if (invite['mxid'] !== mxid) throw Errors.invalidParam('An invite is for another user');
  const roomId = invite['room_id'];
  if (typeof roomId !== 'string' || !roomId.startsWith('!')) throw Errors.invalidParam('room_id must be a room ID');
  const sender = userIdField(invite, 'sender');
  const signed = signedField(invite);
  if (serverNameOf(sender) === deps.serverName && (await serverInRoom(deps.ctx, roomId))) {
    await redeemThirdPartyInvite(deps, { roomId, sender, mxid, signed });
    return;
  }
  const thirdParty: Body = { signed };
  if (typeof invite['display_name'] === 'string') thirdParty['display_name'] = invite['display_name'];
  const event = { type: 'm.room.member', room_id: roomId, sender, state_key: mxid, content: { membership: 'invite', third_party_invite: thirdParty } };
  // The inviter's server sent the m.room.third_party_invite; the room's server (v1–11 ids name it) is the fallback.
  const servers = [...new Set([serverNameOf(sender), serverNameOf(roomId)])].filter((s): s is string => s !== undefined && s !== deps.serverName);
  let failure: unknown = Errors.forbidden(`No server to redeem the invite to ${roomId} at`);
  for (const destination of servers) {
    try {
      await deps.client.request({
        method: 'PUT',
        destination,
        path: `/_matrix/federation/v1/exchange_third_party_invite/${encodeURIComponent(roomId)}`,
        body: event,
      });
      return;
    } catch (err) {
      failure = err;
    }
  }
  throw failure;
}
