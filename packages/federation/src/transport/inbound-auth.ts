/**
 * Inbound X-Matrix authentication (server-server API "Request Authentication"):
 * the Authorization header must name an origin and one of its keys, a
 * destination (when present) equal to this server, and carry a valid signature
 * over the method, the request target as received, and the JSON body. Sets
 * req.federationOrigin (read it with originOf). 401 M_UNAUTHORIZED for bad or
 * missing credentials, 403 M_FORBIDDEN for servers outside
 * federation_domain_whitelist.
 */
import { isValidServerName, MatrixError, verifySignatureString } from '@lattice/core';
import { jsonBody, rawBody } from '@lattice/client-api';
import type { Request, RequestHandler } from 'express';
import type { KeyRing } from '../api.js';
import { requestSigningPayload } from './request-signing.js';
import { parseXMatrixHeader, XMatrixHeaderError, type XMatrixAuth } from './x-matrix-header.js';

export interface InboundAuthOptions {
  serverName: string;
  keyRing: KeyRing;
  isAllowed: (serverName: string) => boolean;
  maxBodyBytes: number;
  now?: () => number;
}

const unauthorized = (message: string) => new MatrixError(401, 'M_UNAUTHORIZED', message);

declare module 'express-serve-static-core' {
  interface Request {
    /** The server that signed this request (set by the X-Matrix middleware). */
    federationOrigin?: string;
  }
}

export function federationAuth(options: InboundAuthOptions): RequestHandler[] {
  const now = options.now ?? Date.now;
  const authenticate: RequestHandler = (req, _res, next) => {
    verify(req).then(
      (origin) => {
        req.federationOrigin = origin;
        next();
      },
      next,
    );
  };

  async function verify(req: Request): Promise<string> {
    const header = req.headers.authorization;
    if (header === undefined) throw unauthorized('Missing Authorization header');
    let auth: XMatrixAuth;
    try {
      auth = parseXMatrixHeader(header);
    } catch (err) {
      if (err instanceof XMatrixHeaderError) throw unauthorized(`Malformed X-Matrix Authorization header: ${err.message}`);
      throw err;
    }
    if (!isValidServerName(auth.origin)) throw unauthorized('Invalid origin in X-Matrix Authorization header');
    if (auth.destination !== undefined && auth.destination !== options.serverName) {
      throw unauthorized(`Request is for ${auth.destination}, not ${options.serverName}`);
    }
    // Before any key fetch: this server does not talk to servers outside the whitelist at all.
    if (!options.isAllowed(auth.origin)) throw new MatrixError(403, 'M_FORBIDDEN', 'Federation denied with this server');
    // The body the signature covers; a body that is not JSON cannot have been signed.
    const content = req.rawBody !== undefined && req.rawBody.length > 0 ? jsonBody(req) : undefined;
    const payload = requestSigningPayloadOrUndefined({
      method: req.method,
      uri: req.originalUrl,
      origin: auth.origin,
      // Older servers leave destination out of the header but have always signed it.
      destination: auth.destination ?? options.serverName,
      content,
    });
    const keys = await options.keyRing.verifyKeys(auth.origin, [auth.key], now());
    const key = keys.get(auth.key);
    if (key === undefined) throw unauthorized(`Unknown or expired key ${auth.key} of ${auth.origin}`);
    if (payload === undefined || !verifySignatureString(payload, auth.sig, key)) {
      throw unauthorized(`Invalid signature for request from ${auth.origin}`);
    }
    return auth.origin;
  }

  return [rawBody(options.maxBodyBytes), authenticate];
}

function requestSigningPayloadOrUndefined(fields: Parameters<typeof requestSigningPayload>[0]): string | undefined {
  try {
    return requestSigningPayload(fields);
  } catch {
    return undefined;
  }
}
