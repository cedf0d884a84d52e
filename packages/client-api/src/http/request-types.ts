/**
 * What the client-api middleware adds to express's Request. Augmenting the core
 * Request type keeps handlers free of casts.
 */
import type { Logger } from '@lattice/core';

/** The authenticated user behind a request (set by requireAuth). */
export interface Requester {
  userId: string;
  deviceId: string;
  isGuest: boolean;
  accessTokenId: number;
  /** Shadow-banned by an admin: writes look successful but reach nobody (accounts/shadow-ban.ts). */
  shadowBanned?: boolean;
  /** Set when an application service made the request with its as_token (acting as userId). */
  appserviceId?: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Request id: the load balancer's X-Request-Id when sane, else a fresh UUID. */
    id: string;
    /** Child logger carrying the request id. */
    log: Logger;
    /** The request body as received (set by rawBody for methods that carry one). */
    rawBody?: Buffer;
    /** The parsed JSON body, memoised by jsonBody(). */
    parsedJson?: { value: unknown };
    requester?: Requester;
  }
}
