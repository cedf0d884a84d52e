/**
 * Synapse's registration token admin API: GET /v1/registration_tokens[?valid=],
 * POST /v1/registration_tokens/new, GET/PUT/DELETE /v1/registration_tokens/<token>.
 * Tokens are the spec's opaque identifiers: 1–64 of [A-Za-z0-9._~-].
 */
import { randomInt } from 'node:crypto';
import {
  deleteRegistrationToken,
  getRegistrationToken,
  insertRegistrationToken,
  listRegistrationTokens,
  objectBody,
  tokenClock,
  UIA_SESSION_LIFETIME_MS,
  updateRegistrationToken,
  type ClientApiContext,
} from '@lattice/client-api';
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { boolParam } from '../http/bool-param.js';

const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-';
const TOKEN = /^[A-Za-z0-9._~-]{1,64}$/;
const DEFAULT_LENGTH = 16;

type TokenParams = { token: string };

function randomToken(length: number): string {
  let token = '';
  for (let i = 0; i < length; i++) token += TOKEN_CHARS[randomInt(TOKEN_CHARS.length)];
  return token;
}

/** A non-negative integer or null; undefined when absent. */
function nullableCount(body: Record<string, unknown>, key: string): number | null | undefined {
  const value = body[key];
  if (value === undefined || value === null) return value;
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw Errors.invalidParam(`${key} must be a non-negative integer or null`);
  return value as number;
}

/** A time in ms not in the past, or null; undefined when absent. */
function expiryTime(body: Record<string, unknown>): number | null | undefined {
  const value = body.expiry_time;
  if (value === undefined || value === null) return value;
  if (!Number.isSafeInteger(value)) throw Errors.invalidParam('expiry_time must be an integer or null');
  if ((value as number) < Date.now()) throw Errors.invalidParam('expiry_time must not be in the past');
  return value as number;
}

export function registrationTokensRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const clock = () => tokenClock(UIA_SESSION_LIFETIME_MS);

  async function found(token: string) {
    const record = await getRegistrationToken(ctx.db, token, clock());
    if (!record) throw Errors.notFound(`No such registration token: ${token}`);
    return record;
  }

  async function list(req: Request, res: Response): Promise<void> {
    const valid = boolParam(req, 'valid');
    res.json({ registration_tokens: await listRegistrationTokens(ctx.db, clock(), valid) });
  }

  async function create(req: Request, res: Response): Promise<void> {
    const body = objectBody(req);
    const usesAllowed = nullableCount(body, 'uses_allowed') ?? null;
    const expiry = expiryTime(body) ?? null;
    if ('token' in body) {
      const token = body.token;
      if (typeof token !== 'string' || !TOKEN.test(token)) {
        throw Errors.invalidParam('token must be a string of at most 64 characters from [A-Za-z0-9._~-]');
      }
      if (!(await insertRegistrationToken(ctx.db, { token, usesAllowed, expiryTime: expiry }))) throw Errors.invalidParam(`Token already exists: ${token}`);
      return void res.json(await found(token));
    }
    const length = body.length ?? DEFAULT_LENGTH;
    if (!Number.isSafeInteger(length) || (length as number) < 1 || (length as number) > 64) {
      throw Errors.invalidParam('length must be an integer between 1 and 64');
    }
    // A short random token may collide with an existing one: draw again.
    for (;;) {
      const token = randomToken(length as number);
      if (await insertRegistrationToken(ctx.db, { token, usesAllowed, expiryTime: expiry })) return void res.json(await found(token));
    }
  }

  async function show(req: Request<TokenParams>, res: Response): Promise<void> {
    res.json(await found(req.params.token));
  }

  async function update(req: Request<TokenParams>, res: Response): Promise<void> {
    const body = objectBody(req);
    const change = { usesAllowed: nullableCount(body, 'uses_allowed'), expiryTime: expiryTime(body) };
    if (!(await updateRegistrationToken(ctx.db, req.params.token, change))) throw Errors.notFound(`No such registration token: ${req.params.token}`);
    res.json(await found(req.params.token));
  }

  async function remove(req: Request<TokenParams>, res: Response): Promise<void> {
    if (!(await deleteRegistrationToken(ctx.db, req.params.token))) throw Errors.notFound(`No such registration token: ${req.params.token}`);
    res.json({});
  }

  router.get('/v1/registration_tokens', list);
  router.post('/v1/registration_tokens/new', create);
  router.get('/v1/registration_tokens/:token', show);
  router.put('/v1/registration_tokens/:token', update);
  router.delete('/v1/registration_tokens/:token', remove);
  return router;
}
