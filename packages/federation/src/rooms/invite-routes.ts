/**
 * Receiving an invite for one of our users (data/api/server-server/
 * invites-v2.yaml, invites-v1.yaml): the inviting server sends the event it
 * built; we check it is an invite from one of its users to one of ours, sign
 * it as the invitee's server and send it back. When this server is not in
 * the room the invite is kept as an outlier carrying the stripped state, so
 * it reaches the invitee's /sync; when it is, the invite arrives again in the
 * room's DAG through /send.
 */
import { Errors, getRoomVersion, serverNameOf, signEvent, toFederationPdu, type PDU, type RoomVersion } from '@lattice/core';
import { getProfile, objectBody } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { originOf, type FederationDeps } from '../api.js';
import { checkReceivedPdu } from '../inbound/checked-pdu.js';
import { remoteEventsOf } from './remote-events.js';
import { serverAclAllows } from './server-acl.js';

type InviteParams = { roomId: string; eventId: string };

export function inviteRoutes(deps: FederationDeps): Router {
  const router = Router();
  const { store } = deps.ctx.rooms;

  async function receiveInvite(
    req: Request<InviteParams>,
    version: RoomVersion,
    value: unknown,
    strippedState: unknown,
  ): Promise<PDU> {
    const origin = originOf(req);
    const { roomId, eventId } = req.params;
    const checked = await checkReceivedPdu(value, version, deps.keyRing, roomId);
    if (!checked.ok || checked.redacted) throw Errors.badJson(`Invalid invite event: ${checked.ok ? 'content hash mismatch' : checked.reason}`);
    const { event } = checked;
    if (event.event_id !== eventId) throw Errors.badJson('The event id does not match the path');
    if (event.type !== 'm.room.member' || event.content['membership'] !== 'invite' || event.state_key === undefined) {
      throw Errors.badJson('Not an invite event');
    }
    if (serverNameOf(event.sender) !== origin) throw Errors.forbidden(`${event.sender} is not a user of ${origin}`);
    if (serverNameOf(event.state_key) !== deps.serverName) throw Errors.forbidden(`${event.state_key} is not a user of this server`);
    if ((await getProfile(deps.ctx.db, event.state_key)) === undefined) throw Errors.notFound(`Unknown user ${event.state_key}`);
    const acl = await store.currentStateEvent(roomId, 'm.room.server_acl', '');
    if (!serverAclAllows(acl?.event.content, origin)) throw Errors.forbidden(`${origin} is denied by the room's server ACL`);

    const signed = signEvent(toFederationPdu(event, version), deps.serverName, deps.signingKey, version);
    const { rows } = await deps.ctx.db.query(`SELECT 1 FROM local_current_membership WHERE room_id = $1 AND membership = 'join' LIMIT 1`, [roomId]);
    if (rows.length === 0) {
      const stored = { ...event, signatures: signed.signatures, unsigned: { ...(event.unsigned ?? {}), invite_room_state: Array.isArray(strippedState) ? strippedState : [] } };
      await remoteEventsOf(deps.ctx).storeLocalMembershipOutlier(stored, version);
    }
    return signed;
  }

  function versionOrRefuse(id: unknown, res: Response): RoomVersion | undefined {
    const version = typeof id === 'string' ? getRoomVersion(id) : undefined;
    if (version === undefined) {
      res.status(400).json({ errcode: 'M_INCOMPATIBLE_ROOM_VERSION', error: `Room version ${String(id)} is not supported`, room_version: id });
    }
    return version;
  }

  router.put('/_matrix/federation/v2/invite/:roomId/:eventId', async (req: Request<InviteParams>, res: Response) => {
    const body = objectBody(req);
    if (body['event'] === undefined) throw Errors.missingParam('event');
    const version = versionOrRefuse(body['room_version'], res);
    if (version === undefined) return;
    res.json({ event: await receiveInvite(req, version, body['event'], body['invite_room_state']) });
  });

  router.put('/_matrix/federation/v1/invite/:roomId/:eventId', async (req: Request<InviteParams>, res: Response) => {
    const body = objectBody(req);
    // v1 carries no room version: it serves rooms of versions 1 and 2, whose events carry their id.
    const version = versionOrRefuse(typeof body['event_id'] === 'string' ? '2' : undefined, res);
    if (version === undefined) return;
    const unsigned = body['unsigned'] as Record<string, unknown> | undefined;
    res.json([200, { event: await receiveInvite(req, version, body, unsigned?.['invite_room_state']) }]);
  });

  return router;
}
