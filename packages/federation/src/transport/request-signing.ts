/**
 * What an X-Matrix signature covers (server-server API "Request Authentication"):
 * the method, the request target (path and query string as sent), origin,
 * destination and, when there is a body, the parsed JSON content, signed as
 * JSON by the origin server.
 */
import { signJson, signedJsonPayload, signatureOf, type SigningKey } from '@lattice/core';
import { formatXMatrixHeader } from './x-matrix-header.js';

export interface SignedRequestFields {
  method: string;
  /** `/_matrix/...` with the query string, exactly as on the request line. */
  uri: string;
  origin: string;
  destination: string;
  /** The parsed JSON body; undefined when the request has none. */
  content?: unknown;
}

export function requestJson(fields: SignedRequestFields): Record<string, unknown> {
  const json: Record<string, unknown> = {
    method: fields.method,
    uri: fields.uri,
    origin: fields.origin,
    destination: fields.destination,
  };
  if (fields.content !== undefined) json.content = fields.content;
  return json;
}

/** The Authorization header value for an outbound request. */
export function signRequest(fields: SignedRequestFields, key: SigningKey): string {
  const signed = signJson(requestJson(fields), fields.origin, key, { strict: false });
  const sig = signatureOf(signed, fields.origin, key.keyId)!;
  return formatXMatrixHeader({ origin: fields.origin, destination: fields.destination, key: key.keyId, sig });
}

/** The exact string an inbound request's signature must verify against. */
export function requestSigningPayload(fields: SignedRequestFields): string {
  return signedJsonPayload(requestJson(fields), { strict: false });
}
