/**
 * Synapse-compatible shared-secret registration (/_synapse/admin/v1/register),
 * used by `register-user` and by operators' existing tooling. A GET hands out a
 * nonce (stored in the database, valid once, for NONCE_LIFETIME_MS); the POST
 * proves knowledge of registration_shared_secret with
 * HMAC-SHA1(nonce \0 username \0 password \0 admin|notadmin [\0 user_type]).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { MatrixError } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { normaliseLocalpart } from '../accounts/localpart.js';
import { checkPasswordLength } from '../accounts/password-policy.js';
import type { ClientApiContext } from '../context.js';
import { generateSecretId } from '../crypto/tokens.js';
import { objectBody } from '../http/body.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { optionalBoolean, optionalString } from '../http/validate.js';
import { consumeRegistrationNonce, deleteRegistrationNoncesBefore, insertRegistrationNonce } from '../stores/registration-nonces.js';
import { registerAccount } from './register.js';

export const NONCE_LIFETIME_MS = 60_000;
const USER_TYPES = new Set(['bot', 'support']);
const MAX_USERNAME_LENGTH = 512;

/** Synapse reports its admin-API errors as M_UNKNOWN unless stated otherwise. */
const synapseError = (status: number, message: string, errcode = 'M_UNKNOWN') => new MatrixError(status, errcode, message);

export function registrationMac(
  secret: string,
  fields: { nonce: string; username: string; password: string; admin: boolean; userType?: string },
): string {
  const hmac = createHmac('sha1', Buffer.from(secret, 'utf8'));
  hmac.update(fields.nonce, 'utf8').update('\0').update(fields.username, 'utf8').update('\0').update(fields.password, 'utf8');
  hmac.update('\0').update(fields.admin ? 'admin' : 'notadmin');
  if (fields.userType) hmac.update('\0').update(fields.userType, 'utf8');
  return hmac.digest('hex');
}

function macMatches(expectedHex: string, given: string): boolean {
  const a = Buffer.from(expectedHex, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function requiredField(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (value === undefined) throw synapseError(400, `${key} must be specified`, 'M_BAD_JSON');
  if (typeof value !== 'string') throw synapseError(400, `Invalid ${key}`);
  return value;
}

export function sharedSecretRegisterRouter(ctx: ClientApiContext): Router {
  const router = Router();

  function secret(): string {
    const configured = ctx.config.registration_shared_secret;
    if (!configured) throw synapseError(400, 'Shared secret registration is not enabled');
    return configured;
  }

  async function nonce(_req: Request, res: Response): Promise<void> {
    secret();
    const now = Date.now();
    await deleteRegistrationNoncesBefore(ctx.db, now - NONCE_LIFETIME_MS);
    const value = generateSecretId(32);
    await insertRegistrationNonce(ctx.db, value, now);
    res.json({ nonce: value });
  }

  async function register(req: Request, res: Response): Promise<void> {
    const key = secret();
    const body = objectBody(req);
    const nonceValue = requiredField(body, 'nonce');
    // Consumed whatever happens next, so a nonce can never be tried twice.
    if (!(await consumeRegistrationNonce(ctx.db, nonceValue, Date.now() - NONCE_LIFETIME_MS))) {
      throw synapseError(400, 'unrecognised nonce');
    }
    const username = requiredField(body, 'username');
    if (username.length > MAX_USERNAME_LENGTH || username.includes('\0')) throw synapseError(400, 'Invalid username');
    const password = requiredField(body, 'password');
    if (password.includes('\0')) throw synapseError(400, 'Invalid password');
    checkPasswordLength(password);
    const admin = optionalBoolean(body, 'admin') ?? false;
    const userType = optionalString(body, 'user_type');
    if (userType !== undefined && !USER_TYPES.has(userType)) throw synapseError(400, 'Invalid user type');
    const displayname = optionalString(body, 'displayname');
    const mac = requiredField(body, 'mac');
    const expected = registrationMac(key, { nonce: nonceValue, username, password, admin, userType });
    if (!macMatches(expected, mac)) throw synapseError(403, 'HMAC incorrect', 'M_FORBIDDEN');

    const localpart = normaliseLocalpart(username, ctx.config.server_name);
    if (localpart instanceof MatrixError) throw localpart;
    const refreshable = optionalBoolean(body, 'refresh_token') ?? false;
    const account = await registerAccount(ctx, { localpart, password, admin, userType, displayname, session: { refreshable } });
    res.json(account);
  }

  router.route('/_synapse/admin/v1/register').get(nonce).post(register).all(methodNotAllowed);
  return router;
}
