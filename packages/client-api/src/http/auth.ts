/**
 * Access-token authentication (spec "Using access tokens"): the token comes from
 * `Authorization: Bearer …` or the deprecated `access_token` query parameter.
 * Missing → 401 M_MISSING_TOKEN; unknown or revoked → 401 M_UNKNOWN_TOKEN; expired
 * but refreshable → M_UNKNOWN_TOKEN with soft_logout: true, so the client refreshes.
 */
import { Errors } from '@lattice/core';
import type { Request, RequestHandler } from 'express';
import type { ClientApiContext } from '../context.js';
import { accessTokenCacheOf } from '../accounts/token-cache.js';
import { assertGuestMayUse } from '../accounts/guest-policy.js';
import { assertTokenUsableWhileLocked } from '../accounts/locked-accounts.js';
import { hashToken } from '../crypto/tokens.js';
import { findAccessToken, markAccessTokenUsed, type AccessTokenRecord } from '../stores/access-tokens.js';
import { recordDeviceSeen } from '../stores/devices.js';
import './request-types.js';
import type { Requester } from './request-types.js';

/** How stale a device's last-seen data may get before a request refreshes it. */
const LAST_SEEN_GRANULARITY_MS = 60_000;

export function accessTokenOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m ? m[1] : undefined;
  }
  const query = (req.query as Record<string, unknown> | undefined)?.access_token;
  return typeof query === 'string' && query.length > 0 ? query : undefined;
}

/** Resolves the request's token to its user and device, or throws the spec's 401. */
export async function authenticate(ctx: ClientApiContext, req: Request): Promise<Requester> {
  const token = accessTokenOf(req);
  if (token === undefined) throw Errors.missingToken();
  const hash = hashToken(token);
  // An appservice's as_token (a map lookup; undefined at once for every other token).
  const asAppservice = ctx.appservices?.authenticate(hash, req);
  if (asAppservice !== undefined) return asAppservice;
  const record = await lookUpToken(ctx, hash);
  if (!record) throw Errors.unknownToken(false);
  const now = Date.now();
  if (record.expiresTs !== null && record.expiresTs <= now) {
    throw Errors.unknownToken(record.refreshTokenId !== null, 'Access token has expired');
  }
  if (!record.used) {
    await markAccessTokenUsed(ctx.db, record.id);
    record.used = true;
  }
  if (record.deviceLastSeenTs === null || now - record.deviceLastSeenTs > LAST_SEEN_GRANULARITY_MS) {
    recordSeenOnSuccess(ctx, req, record.userId, record.deviceId, now);
    // The record may be cached: note the visit so the next requests don't record it again.
    record.deviceLastSeenTs = now;
  }
  if (record.locked) assertTokenUsableWhileLocked(req);
  // Guests reach only the endpoints the spec opens to them.
  if (record.isGuest) assertGuestMayUse(req);
  return { userId: record.userId, deviceId: record.deviceId, isGuest: record.isGuest, accessTokenId: record.id, shadowBanned: record.shadowBanned };
}

/**
 * The token's record, from this worker's cache when it may trust it. A
 * revocation on another replica may still be on its way here: when the user's
 * latest recorded `caches` write is one this worker has not applied yet, the
 * database (the source of truth) answers instead.
 */
async function lookUpToken(ctx: ClientApiContext, hash: string): Promise<AccessTokenRecord | undefined> {
  const { hub, userWrites } = ctx.rooms;
  const cache = accessTokenCacheOf(hub);
  const cached = cache.get(hash);
  if (cached) {
    const revokedAt = (await userWrites.get(cached.userId)).caches;
    // Looked up again: a revocation applied while the user's writes were read has dropped the entry
    // (and moved the position past revokedAt), and the record read before the wait must not be used.
    const still = cache.get(hash);
    if (still && (revokedAt === undefined || hub.positions.isCaughtUp('caches', revokedAt))) return still;
  }
  const readAt = cache.snapshot();
  const record = await findAccessToken(ctx.db, hash);
  if (record) cache.set(hash, record, readAt);
  return record;
}

/** Updates the device's last-seen data once the response succeeded, so a rejected request writes nothing. */
function recordSeenOnSuccess(ctx: ClientApiContext, req: Request, userId: string, deviceId: string, ts: number): void {
  const res = req.res;
  if (!res) return;
  res.once('finish', () => {
    if (res.statusCode >= 400) return;
    const userAgent = req.headers['user-agent'] ?? null;
    recordDeviceSeen(ctx.db, userId, deviceId, { ts, ip: req.ip ?? null, userAgent }).catch((err: unknown) =>
      req.log?.warn({ err }, 'could not record device last-seen'),
    );
  });
}

/** Route middleware: sets req.requester or fails with 401. */
export function requireAuth(ctx: ClientApiContext): RequestHandler {
  return async (req, _res, next) => {
    req.requester = await authenticate(ctx, req);
    next();
  };
}

/** The authenticated requester of a route guarded by requireAuth. */
export function requesterOf(req: Request): Requester {
  if (!req.requester) throw new Error('route is missing requireAuth');
  return req.requester;
}
