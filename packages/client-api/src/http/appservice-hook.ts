/**
 * What client-api asks of the application services (issue 9; implemented by
 * @lattice/appservice and set as ClientApiContext.appservices). Optional: a
 * server without registrations leaves it unset and pays nothing.
 */
import type { Request, Response } from 'express';
import type { UserRecord } from '../stores/users.js';
import type { Requester } from './request-types.js';

export interface AppserviceAuth {
  /**
   * When the token (given as its sha256, the form auth.ts already computed) is
   * an appservice's as_token: the user it acts as (`?user_id=`, `?device_id=`),
   * or the spec's error. Undefined, synchronously, for every other token.
   */
  authenticate(tokenHash: string, req: Request): Promise<Requester> | undefined;
  /** 400 M_EXCLUSIVE when an appservice other than the requester's reserved this user id or alias. */
  assertNotExclusive(kind: 'user' | 'alias', id: string, requester?: Requester): void;
  /** POST /register with `type: m.login.application_service`. */
  register(req: Request, res: Response): Promise<void>;
  /**
   * POST /login with `type: m.login.application_service`: the registered user (`user`, an id or a
   * localpart) the request's as_token may log in as; 403 M_FORBIDDEN or 400 M_EXCLUSIVE otherwise.
   */
  loginUser(req: Request, user: string): Promise<UserRecord>;
  /** The user is an appservice's sender, or in the namespace of one registered with rate_limited: false. */
  isRateLimitExempt(userId: string): boolean;
  /** Asks the appservices whose namespace covers a missing local alias to create it (true: one did). */
  queryAlias(alias: string): Promise<boolean>;
  /** Asks the appservices whose namespace covers a missing local user to create it (true: one did). */
  queryUser(userId: string): Promise<boolean>;
}
