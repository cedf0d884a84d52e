/**
 * Where Synapse's rc_* limits are enforced: every caller names the limit,
 * the key (user, address, room…) and, when a user acts, the requester, whose
 * exemptions apply as in Synapse: users of an application service registered
 * with `rate_limited: false` (ctx.rateLimitExempt) are never limited, and an
 * admin's override (ratelimit_override) either lifts every per-user limit
 * (messages_per_second 0) or replaces rc_message's rate and burst.
 */
import { Errors, type RateLimit } from '@lattice/core';
import type { ReplicationHub } from '@lattice/replication';
import type { ClientApiContext } from '../context.js';
import type { RateLimiter } from '../http/rate-limiter.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { ratelimitOverridesOf } from './ratelimit-overrides.js';

export interface RateLimitRequest {
  /** The limit's setting name (rc_message, rc_joins.local…): keeps the limits' buckets apart. */
  name: string;
  limit: RateLimit;
  key: string;
  /** The user acting, when there is one: exemptions and overrides apply. */
  requester?: string;
  /** Actions asked for at once (default 1). */
  cost?: number;
  /** false: check only (e.g. failed logins are recorded only when they fail). */
  record?: boolean;
}

/** The limit an override replaces rather than lifts (Synapse's override is "messages per second"). */
const OVERRIDDEN_LIMIT = 'rc_message';

const fallbackLimiters = new WeakMap<ReplicationHub, MemoryRateLimiter>();

/** The process's limiter: the one the composition chose, else one in memory per process (its hub). */
export function rateLimiterOf(ctx: ClientApiContext): RateLimiter {
  if (ctx.rateLimiter) return ctx.rateLimiter;
  let limiter = fallbackLimiters.get(ctx.rooms.hub);
  if (!limiter) fallbackLimiters.set(ctx.rooms.hub, (limiter = new MemoryRateLimiter()));
  return limiter;
}

/** 0 when allowed (and recorded unless record is false), else the milliseconds to wait. */
export async function rateLimitWait(ctx: ClientApiContext, request: RateLimitRequest): Promise<number> {
  let limit = request.limit;
  if (request.requester !== undefined) {
    if (ctx.rateLimitExempt?.(request.requester)) return 0;
    const override = await ratelimitOverridesOf(ctx.rooms.hub, ctx.db).get(request.requester);
    if (override && override.messagesPerSecond === 0) return 0;
    if (override && request.name === OVERRIDDEN_LIMIT) limit = { per_second: override.messagesPerSecond, burst_count: override.burstCount };
  }
  return rateLimiterOf(ctx).attempt(`${request.name}:${request.key}`, limit, { cost: request.cost, record: request.record });
}

/** Throws 429 M_LIMIT_EXCEEDED (retry_after_ms, Retry-After) unless allowed; records the action. */
export async function enforceRateLimit(ctx: ClientApiContext, request: RateLimitRequest): Promise<void> {
  const wait = await rateLimitWait(ctx, request);
  if (wait > 0) throw Errors.limitExceeded(wait);
}

/** rc_message for a user's event (messages, state events, redactions). */
export function limitMessages(ctx: ClientApiContext, userId: string): Promise<void> {
  return enforceRateLimit(ctx, { name: 'rc_message', limit: ctx.config.rc_message, key: userId, requester: userId });
}
