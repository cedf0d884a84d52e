/**
 * Test doubles for the transport half, for the rooms-side tests: a KeyRing
 * over known keys, a FederationClient that answers from handlers (or fails
 * like an unreachable server), an auth middleware that takes the origin from
 * a test header, and "remote server" event building with that server's key.
 */
import {
  encodeBase64,
  generateSigningKey,
  hashAndSignEvent,
  toRoomEvent,
  type EventReference,
  type PDU,
  type RoomEvent,
  type RoomVersion,
  type SigningKey,
} from '@lattice/core';
import { rawBody } from '@lattice/client-api';
import { Router } from 'express';
import { FederationRequestError, type FederationClient, type FederationRequest, type KeyRing } from '../../src/api.js';

export const REMOTE = 'remote.test';
export const remoteKey = generateSigningKey('r1');

export class FakeKeyRing implements KeyRing {
  readonly keys = new Map<string, Map<string, string>>();
  add(server: string, key: SigningKey): void {
    const m = this.keys.get(server) ?? new Map<string, string>();
    m.set(key.keyId, encodeBase64(key.publicKey));
    this.keys.set(server, m);
  }
  async verifyKeys(server: string, keyIds: readonly string[]): Promise<Map<string, string>> {
    const known = this.keys.get(server);
    return new Map(keyIds.flatMap((id) => (known?.has(id) ? [[id, known.get(id)!] as [string, string]] : [])));
  }
}

export type Handler = (req: FederationRequest) => unknown | Promise<unknown>;

export class FakeClient implements FederationClient {
  readonly requests: FederationRequest[] = [];
  handler: Handler | undefined;
  async request<T>(req: FederationRequest): Promise<T> {
    this.requests.push(req);
    if (this.handler === undefined) throw new FederationRequestError(req.destination, undefined, undefined, 'unreachable');
    return (await this.handler(req)) as T;
  }
}

/** Stands in for X-Matrix: the origin comes from the x-test-origin header. */
export function testAuth(): Router {
  const router = Router();
  router.use('/_matrix/federation', rawBody(1024 * 1024), (req, _res, next) => {
    const origin = req.headers['x-test-origin'];
    if (typeof origin === 'string') req.federationOrigin = origin;
    next();
  });
  return router;
}

/** An event as `server` builds and signs it. */
export function signedEvent(
  version: RoomVersion,
  fields: { room_id: string; type: string; state_key?: string; sender: string; content: Record<string, unknown> },
  prev: RoomEvent[],
  auth: RoomEvent[],
  opts: { ts?: number; server?: string; key?: SigningKey; depth?: number } = {},
): RoomEvent {
  const ref = (e: RoomEvent): EventReference => e.event_id;
  const pdu: PDU = {
    ...fields,
    origin_server_ts: opts.ts ?? Date.now(),
    depth: opts.depth ?? prev.reduce((d, e) => Math.max(d, e.depth), 0) + 1,
    prev_events: prev.map(ref),
    auth_events: auth.map(ref),
    hashes: { sha256: '' },
    signatures: {},
  } as PDU;
  const signed = hashAndSignEvent(pdu, opts.server ?? REMOTE, opts.key ?? remoteKey, version);
  return toRoomEvent(signed, version);
}

/** The wire form (no event_id from v3). */
export function wire(event: RoomEvent): PDU {
  const { event_id: _id, ...rest } = event;
  return rest as PDU;
}
