/**
 * The UIA stages this server offers. Each verifier returns undefined on success or
 * the reason the attempt failed (answered 401 with M_FORBIDDEN and the flows).
 */
import type { ClientApiContext } from '../context.js';
import { localUserIdFromIdentifier } from '../accounts/localpart.js';
import { rehashAtConfiguredCost } from '../accounts/password-rehash.js';
import { passwordHashParams, verifyPassword } from '../crypto/password-hash.js';
import { findUserForLogin } from '../stores/users.js';
import { registrationTokenStage } from './registration-token-stage.js';
import { UIA_SESSION_LIFETIME_MS } from './session-lifetime.js';

export type StageVerifier = (
  ctx: ClientApiContext,
  auth: Record<string, unknown>,
  sessionUserId: string | null,
  sessionId: string,
) => Promise<string | undefined>;

/** The user named by an auth dict's `identifier` (m.id.user) or legacy `user` field. */
export function identifiedUser(auth: Record<string, unknown>): string | undefined {
  const identifier = auth.identifier;
  if (typeof identifier === 'object' && identifier !== null && !Array.isArray(identifier)) {
    const { type, user } = identifier as Record<string, unknown>;
    return type === 'm.id.user' && typeof user === 'string' ? user : undefined;
  }
  return typeof auth.user === 'string' ? auth.user : undefined;
}

const passwordStage: StageVerifier = async (ctx, auth, sessionUserId) => {
  const password = auth.password;
  const named = identifiedUser(auth);
  if (typeof password !== 'string' || named === undefined) return 'Password and user identifier are required';
  const userId = localUserIdFromIdentifier(named, ctx.config.server_name);
  const user = userId === undefined ? undefined : await findUserForLogin(ctx.db, userId);
  // Hash even when the user is wrong, so timing does not tell the two failures apart.
  const ok = await verifyPassword(password, user?.userId === sessionUserId ? user?.passwordHash : undefined, passwordHashParams(ctx.config));
  if (!ok || !user) return 'Invalid password';
  await rehashAtConfiguredCost(ctx, user, password);
  return undefined;
};

const dummyStage: StageVerifier = async () => undefined;

export const STAGES: Readonly<Record<string, StageVerifier>> = {
  'm.login.password': passwordStage,
  'm.login.dummy': dummyStage,
  'm.login.registration_token': (ctx, auth, _userId, sessionId) => registrationTokenStage(ctx, auth, sessionId, UIA_SESSION_LIFETIME_MS),
};
