/**
 * The m.login.registration_token UIA stage (spec "Token-authenticated
 * registration"): the auth dict's `token` must be a valid registration token,
 * and passing the stage takes one of its uses for the session until the
 * registration completes (stores/registration-tokens.ts).
 */
import type { ClientApiContext } from '../context.js';
import { claimRegistrationToken, type TokenClock } from '../stores/registration-tokens.js';

/** UIA sessions live this long (user-interactive-auth.ts); kept here so the stores need no UIA import. */
export function tokenClock(sessionLifetimeMs: number, now = Date.now()): TokenClock {
  return { now, liveSessionsSince: now - sessionLifetimeMs };
}

export async function registrationTokenStage(
  ctx: ClientApiContext,
  auth: Record<string, unknown>,
  sessionId: string,
  sessionLifetimeMs: number,
): Promise<string | undefined> {
  const token = auth.token;
  if (typeof token !== 'string' || token === '') return 'Missing registration token';
  const claimed = await claimRegistrationToken(ctx.db, token, sessionId, tokenClock(sessionLifetimeMs));
  return claimed ? undefined : 'Invalid registration token';
}
