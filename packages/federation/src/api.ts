/**
 * The seams between the two halves of federation: the transport (keys, signed
 * requests, discovery, TLS) and the rooms side (PDUs in and out, joins, state).
 * Each half codes against these interfaces; the homeserver wires the real
 * implementations together.
 */
import type { ClientApiContext } from '@lattice/client-api';
import type { SigningKey } from '@lattice/core';
import type { Request } from 'express';

/** Remote servers' signing keys, fetched and cached (directly or through notaries). */
export interface KeyRing {
  /**
   * The public keys (unpadded base64 Ed25519) of `serverName` for `keyIds`
   * that were valid at `validAtTs` (ms since the epoch; old_verify_keys count
   * up to their expired_ts). Ids it cannot find or verify are absent from the map.
   */
  verifyKeys(serverName: string, keyIds: readonly string[], validAtTs: number): Promise<Map<string, string>>;
}

export interface FederationRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  destination: string;
  /** The path with its query string, already URL-encoded, e.g. `/_matrix/federation/v1/event/%24abc`. */
  path: string;
  body?: unknown;
  timeoutMs?: number;
}

/** Signed (X-Matrix) requests to other servers, through server discovery and the outbound address policy. */
export interface FederationClient {
  /**
   * Resolves with the parsed JSON body of a 2xx answer; rejects with a
   * FederationRequestError for any other status (carrying the remote's
   * errcode) or when the server cannot be reached.
   */
  request<T = unknown>(req: FederationRequest): Promise<T>;
}

export class FederationRequestError extends Error {
  constructor(
    readonly destination: string,
    /** The HTTP status, or undefined when no answer came (DNS, connect, TLS, timeout). */
    readonly status: number | undefined,
    readonly errcode: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'FederationRequestError';
  }
}

/** What inbound federation handlers share. */
export interface FederationDeps {
  ctx: ClientApiContext;
  serverName: string;
  signingKey: SigningKey;
  keyRing: KeyRing;
  client: FederationClient;
}

/** The authenticated origin server of an inbound request (set by the X-Matrix auth middleware). */
export function originOf(req: Request): string {
  const origin = (req as Request & { federationOrigin?: string }).federationOrigin;
  if (origin === undefined) throw new Error('route is missing the federation auth middleware');
  return origin;
}
