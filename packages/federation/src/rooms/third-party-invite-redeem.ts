/**
 * Redeeming a third-party invite on a server that is in the room (server-server
 * "Third-party invites"; client-server module "Third-party invites"): the
 * identity server's `signed` block ({mxid, token, signatures}) becomes an
 * m.room.member invite of `mxid`, sent as the user who sent the
 * m.room.third_party_invite, with content.third_party_invite {display_name,
 * signed}. Before that, the resident server checks what the auth rules check
 * (so a bad proof is a clear 403 and nothing is written) and, as only it must,
 * that the identity server still vouches for the key that signed (key_validity_url).
 */
import { Errors, MatrixError, serverNameOf, verifyThirdPartyInviteSignature } from '@lattice/core';
import { identityServersOf, serverInRoom } from '@lattice/client-api';
import type { FederationDeps } from '../api.js';
import { OutboundMembership } from './outbound-membership.js';

export interface ThirdPartyInviteRedemption {
  roomId: string;
  /** The sender of the m.room.third_party_invite (a user of this server). */
  sender: string;
  /** The invited user (signed.mxid). */
  mxid: string;
  signed: Record<string, unknown>;
}

interface OfferedKey {
  publicKey: string;
  /** Absent for a public_keys entry without one: valid indefinitely. */
  validityUrl?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The keys an m.room.third_party_invite offers, each with the URL that vouches for it. */
function offeredKeys(content: Record<string, unknown>): OfferedKey[] {
  const keys: OfferedKey[] = [];
  if (typeof content['public_key'] === 'string') {
    const url = content['key_validity_url'];
    keys.push({ publicKey: content['public_key'], validityUrl: typeof url === 'string' ? url : undefined });
  }
  const list = content['public_keys'];
  for (const entry of Array.isArray(list) ? list : []) {
    if (!isObject(entry) || typeof entry['public_key'] !== 'string') continue;
    const url = entry['key_validity_url'];
    keys.push({ publicKey: entry['public_key'], validityUrl: typeof url === 'string' ? url : undefined });
  }
  return keys;
}

/** Sends the invite event into the room; throws 403 M_FORBIDDEN when the proof does not hold. */
export async function redeemThirdPartyInvite(deps: FederationDeps, redemption: ThirdPartyInviteRedemption): Promise<void> {
  const { ctx, serverName } = deps;
  const { roomId, sender, mxid, signed } = redemption;
  if (serverNameOf(sender) !== serverName) throw Errors.forbidden(`${sender} is not a user of this server`);
  if (!(await serverInRoom(ctx, roomId))) throw Errors.forbidden(`This server is not in room ${roomId}`);
  const token = signed['token'];
  if (typeof token !== 'string' || signed['mxid'] !== mxid) throw Errors.forbidden('The signed block does not name this user and a token');

  const { store } = ctx.rooms;
  const invite = await store.currentStateEvent(roomId, 'm.room.third_party_invite', token);
  if (invite === undefined || Object.keys(invite.event.content).length === 0) throw Errors.forbidden('No third-party invite in the room has this token');
  if (invite.event.sender !== sender) throw Errors.forbidden(`${sender} did not send the third-party invite`);
  const target = await store.membership(roomId, mxid);
  if (target?.membership === 'join' || target?.membership === 'ban') throw Errors.forbidden(`${mxid} is ${target.membership === 'join' ? 'already in' : 'banned from'} the room`);

  const signers = offeredKeys(invite.event.content).filter((key) => verifyThirdPartyInviteSignature(signed, [key.publicKey]));
  if (signers.length === 0) throw Errors.forbidden('The third-party invite signature does not match the invite public keys');
  if (!(await someKeyStillValid(deps, signers))) throw Errors.forbidden('The identity server no longer vouches for the key of this invite');

  const displayName = invite.event.content['display_name'];
  const content = {
    membership: 'invite',
    third_party_invite: { display_name: typeof displayName === 'string' ? displayName : '', signed },
  };
  if (serverNameOf(mxid) !== serverName) {
    await new OutboundMembership(deps).inviteWithContent(sender, roomId, mxid, content);
    return;
  }
  await ctx.rooms.persister.createEvent({ room_id: roomId, type: 'm.room.member', state_key: mxid, sender, content });
}

/** Asks each signing key's key_validity_url in turn; one that vouches (or needs no URL) is enough. */
async function someKeyStillValid(deps: FederationDeps, signers: readonly OfferedKey[]): Promise<boolean> {
  const identity = identityServersOf(deps.ctx);
  let failure: unknown;
  for (const key of signers) {
    if (key.validityUrl === undefined) return true;
    try {
      if (await identity.keyIsValid(key.validityUrl, key.publicKey)) return true;
    } catch (err) {
      failure = err;
    }
  }
  // Unreachable identity servers are not a verdict on the key: say so rather than refuse.
  if (failure instanceof MatrixError) throw failure;
  return false;
}
