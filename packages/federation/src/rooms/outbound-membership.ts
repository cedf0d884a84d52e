/**
 * Local users' memberships that need another server (server-server API
 * "Joining rooms", "Leaving rooms (rejecting invites)", "Inviting to a room"):
 *  - join: make_join on a resident server, complete and sign the template,
 *    send_join, then store the returned state and auth chain (each PDU checked)
 *    and the join: the room appears in the user's /sync;
 *  - leave a room this server is not in (refusing a remote invite): make_leave /
 *    send_leave, the leave kept as the user's membership;
 *  - invite a user of another server: build the invite here, have their server
 *    sign it (invite v2, with stripped state), then accept it into the room.
 */
import {
  Errors,
  MatrixError,
  ROOM_VERSIONS,
  getRoomVersion,
  hashAndSignEvent,
  makeLegacyEventId,
  redactedCanonicalJson,
  verifySignatureString,
  serverNameOf,
  stateKeyOf,
  toFederationPdu,
  toRoomEvent,
  type PDU,
  type RoomEvent,
  type RoomVersion,
} from '@lattice/core';
import type { RemoteMembership } from '@lattice/client-api';
import { FederationRequestError, type FederationDeps } from '../api.js';
import { checkJoinAnswer, checkReceivedPdu } from '../inbound/checked-pdu.js';
import { asClientError } from '../transport/client-facing-error.js';
import { membershipTemplate } from './event-template.js';
import { remoteEventsOf } from './remote-events.js';

const enc = encodeURIComponent;

/** State shared with invitees (client-server "Stripped state"). */
const STRIPPED_TYPES = ['m.room.create', 'm.room.name', 'm.room.avatar', 'm.room.topic', 'm.room.join_rules', 'm.room.canonical_alias', 'm.room.encryption'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class OutboundMembership implements RemoteMembership {
  constructor(private readonly deps: FederationDeps) {}

  async join(userId: string, roomId: string, servers: readonly string[], content: Record<string, unknown>): Promise<{ streamOrdering: number }> {
    return this.throughServers(servers, async (server) => {
      const { event, version } = await this.handshakeEvent(server, 'join', roomId, userId, content);
      const answer = await this.deps.client.request<Record<string, unknown>>({
        method: 'PUT',
        destination: server,
        path: `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(event.event_id)}`,
        body: toFederationPdu(event, version),
      });
      let join = event;
      // Restricted rooms: the resident server co-signs the join and sends it back.
      if (isObject(answer['event'])) {
        const checked = await checkReceivedPdu(answer['event'], version, this.deps.keyRing, roomId);
        if (checked.ok && checked.event.event_id === event.event_id) join = checked.event;
      }
      const { state, authChain } = await checkJoinAnswer(answer, version, this.deps.keyRing, roomId);
      const result = await remoteEventsOf(this.deps.ctx).joinRoom({ version, join, state, authChain });
      return { streamOrdering: result.streamOrdering };
    });
  }

  async leave(userId: string, roomId: string, servers: readonly string[], reason?: string): Promise<{ streamOrdering: number }> {
    return this.throughServers(servers, async (server) => {
      const content: Record<string, unknown> = reason === undefined ? {} : { reason };
      const { event, version } = await this.handshakeEvent(server, 'leave', roomId, userId, content);
      await this.deps.client.request({
        method: 'PUT',
        destination: server,
        path: `/_matrix/federation/v2/send_leave/${enc(roomId)}/${enc(event.event_id)}`,
        body: toFederationPdu(event, version),
      });
      await remoteEventsOf(this.deps.ctx).storeLocalMembershipOutlier(event, version);
      const stored = await this.deps.ctx.rooms.store.getEvent(event.event_id);
      return { streamOrdering: stored?.streamOrdering ?? 0 };
    });
  }

  async knock(userId: string, roomId: string, servers: readonly string[], reason?: string): Promise<{ streamOrdering: number }> {
    return this.throughServers(servers, async (server) => {
      const content: Record<string, unknown> = reason === undefined ? {} : { reason };
      const { event, version } = await this.handshakeEvent(server, 'knock', roomId, userId, content);
      const answer = await this.deps.client.request<{ knock_room_state?: unknown }>({
        method: 'PUT',
        destination: server,
        path: `/_matrix/federation/v1/send_knock/${enc(roomId)}/${enc(event.event_id)}`,
        body: toFederationPdu(event, version),
      });
      // Kept with the stripped state the room shared, for the knocker's /sync (knock_state).
      const knock = { ...event, unsigned: { knock_room_state: Array.isArray(answer.knock_room_state) ? answer.knock_room_state : [] } };
      await remoteEventsOf(this.deps.ctx).storeLocalMembershipOutlier(knock, version);
      const stored = await this.deps.ctx.rooms.store.getEvent(event.event_id);
      return { streamOrdering: stored?.streamOrdering ?? 0 };
    });
  }

  async invite(inviter: string, roomId: string, invitee: string, reason?: string): Promise<{ streamOrdering: number }> {
    const content: Record<string, unknown> = { membership: 'invite' };
    if (reason !== undefined) content['reason'] = reason;
    return this.inviteWithContent(inviter, roomId, invitee, content);
  }

  /** invite() with the member event's whole content (a redeemed third-party invite carries `third_party_invite`). */
  async inviteWithContent(inviter: string, roomId: string, invitee: string, content: Record<string, unknown>): Promise<{ streamOrdering: number }> {
    const { store } = this.deps.ctx.rooms;
    const version = await store.roomVersion(roomId);
    if (version === undefined) throw Errors.notFound(`Unknown room ${roomId}`);
    const template = await membershipTemplate(this.deps.ctx.db, store, {
      roomId,
      version,
      type: 'm.room.member',
      stateKey: invitee,
      sender: inviter,
      content,
      origin: this.deps.serverName,
      now: Date.now(),
    });
    const event = this.sign(template, version);
    const server = serverNameOf(invitee)!;
    let answer: { event?: unknown };
    try {
      answer = await this.deps.client.request<{ event?: unknown }>({
        method: 'PUT',
        destination: server,
        path: `/_matrix/federation/v2/invite/${enc(roomId)}/${enc(event.event_id)}`,
        body: { room_version: version.id, event: toFederationPdu(event, version), invite_room_state: await this.strippedState(roomId) },
      });
    } catch (err) {
      throw asClientError(err);
    }
    const returned = isObject(answer.event) ? (answer.event as PDU) : undefined;
    const theirs = returned?.signatures?.[server];
    if (!isObject(theirs)) throw new MatrixError(502, 'M_UNKNOWN', `${server} did not sign the invite`);
    // Same event (the id covers everything but signatures), with the invitee's server's signature added.
    const cosigned: RoomEvent = { ...event, signatures: { ...event.signatures, [server]: theirs as Record<string, string> } };
    if (!(await this.signedBy(server, cosigned, version))) throw new MatrixError(502, 'M_UNKNOWN', `${server} did not sign the invite`);
    const [result] = await remoteEventsOf(this.deps.ctx).acceptEvents(roomId, [{ event: cosigned }]);
    if (result!.outcome !== 'accepted') throw Errors.forbidden(`The invite was not accepted: ${result!.reason ?? result!.outcome}`);
    const stored = await store.getEvent(event.event_id);
    return { streamOrdering: stored!.streamOrdering };
  }

  /** Whether `server` signed the event (its signature over the redacted event verifies with one of its keys). */
  private async signedBy(server: string, event: RoomEvent, version: RoomVersion): Promise<boolean> {
    const signatures = event.signatures[server] ?? {};
    const keys = await this.deps.keyRing.verifyKeys(server, Object.keys(signatures), event.origin_server_ts);
    const payload = redactedCanonicalJson(toFederationPdu(event, version), version);
    return Object.entries(signatures).some(([keyId, sig]) => keys.has(keyId) && verifySignatureString(payload, sig, keys.get(keyId)!));
  }

  /** make_join / make_leave on `server`, completed and signed here. */
  private async handshakeEvent(
    server: string,
    membership: 'join' | 'leave' | 'knock',
    roomId: string,
    userId: string,
    content: Record<string, unknown>,
  ): Promise<{ event: RoomEvent; version: RoomVersion }> {
    const query = membership !== 'leave' ? '?' + [...ROOM_VERSIONS.keys()].map((v) => `ver=${enc(v)}`).join('&') : '';
    const answer = await this.deps.client.request<{ room_version?: unknown; event?: unknown }>({
      method: 'GET',
      destination: server,
      path: `/_matrix/federation/v1/make_${membership}/${enc(roomId)}/${enc(userId)}${query}`,
    });
    const versionId = typeof answer.room_version === 'string' ? answer.room_version : '1';
    const version = getRoomVersion(versionId);
    if (version === undefined) throw new MatrixError(400, 'M_UNSUPPORTED_ROOM_VERSION', `Room version ${versionId} is not supported`);
    const t = answer.event;
    if (
      !isObject(t) ||
      t['type'] !== 'm.room.member' ||
      t['state_key'] !== userId ||
      t['sender'] !== userId ||
      (t['room_id'] !== undefined && t['room_id'] !== roomId) ||
      !isObject(t['content']) ||
      t['content']['membership'] !== membership
    ) {
      throw new MatrixError(502, 'M_UNKNOWN', `${server} answered make_${membership} with an invalid template`);
    }
    const pdu = {
      ...t,
      room_id: roomId,
      content: { ...(t['content'] as Record<string, unknown>), ...content, membership },
      origin: this.deps.serverName,
      origin_server_ts: Date.now(),
    } as unknown as PDU;
    return { event: this.sign(pdu, version), version };
  }

  /** Hashes and signs a template as this server (v1–2: with an event id of ours). */
  private sign(template: PDU, version: RoomVersion): RoomEvent {
    const { signatures: _s, hashes: _h, unsigned: _u, event_id: _e, ...fields } = template;
    const pdu = { ...fields, hashes: { sha256: '' }, signatures: {} } as PDU;
    if (version.eventIdFormat === 'v1') pdu.event_id = makeLegacyEventId(this.deps.serverName);
    return toRoomEvent(hashAndSignEvent(pdu, this.deps.serverName, this.deps.signingKey, version), version);
  }

  private async strippedState(roomId: string): Promise<unknown[]> {
    const { store } = this.deps.ctx.rooms;
    const state = await store.currentState(roomId);
    const ids = STRIPPED_TYPES.flatMap((t) => state.get(stateKeyOf(t, '')) ?? []);
    const events = await store.getEvents(ids);
    return [...events.values()].map(({ event }) => ({ type: event.type, state_key: event.state_key, sender: event.sender, content: event.content }));
  }

  /** Tries each server in turn; the last failure is reported. */
  private async throughServers<T>(servers: readonly string[], attempt: (server: string) => Promise<T>): Promise<T> {
    let last: unknown = Errors.notFound('No server to join through');
    for (const server of servers) {
      try {
        return await attempt(server);
      } catch (err) {
        last = err;
        // A refusal by the room's rules (403) will not change with another server.
        if (err instanceof MatrixError && err.status === 403) break;
        if (err instanceof FederationRequestError && err.status === 403) break;
        this.deps.ctx.logger.info({ err, server }, 'federation: membership handshake failed; trying the next server');
      }
    }
    throw asClientError(last);
  }
}
