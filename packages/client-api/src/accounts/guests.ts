/**
 * Guest accounts (spec "Guest Access"): POST /register?kind=guest creates one
 * with a numeric localpart and no password when `allow_guest_access` is on;
 * POST /register with the guest's `guest_access_token` and its localpart as
 * `username` upgrades it to a full account, keeping its id, rooms and devices.
 */
import { Errors } from '@lattice/core';
import type { ClientApiContext } from '../context.js';
import { hashPassword, passwordHashParams } from '../crypto/password-hash.js';
import { hashToken } from '../crypto/tokens.js';
import { findAccessToken } from '../stores/access-tokens.js';
import { createUser, nextGuestLocalpart, upgradeGuestUser } from '../stores/users.js';
import { userIdOf } from './localpart.js';
import { startSession, type IssuedSession } from './sessions.js';
import { revokingTokens } from './token-revocation.js';

export interface GuestSession extends IssuedSession {
  user_id: string;
  home_server: string;
}

type SessionOptions = { deviceId?: string; initialDisplayName?: string; refreshable: boolean };

/** A new guest with a device the server names (the client's device_id is ignored, as the spec requires). */
export async function registerGuest(ctx: ClientApiContext, device: { initialDisplayName?: string }): Promise<GuestSession> {
  if (!ctx.config.allow_guest_access) throw Errors.forbidden('Guest access is disabled');
  const server = ctx.config.server_name;
  for (;;) {
    const result = await ctx.db.transaction(async (tx) => {
      const userId = userIdOf(await nextGuestLocalpart(tx), server);
      // Guests start without a display name, as in Synapse; they may set one.
      if (!(await createUser(tx, { userId, isGuest: true, displayname: null }))) return undefined;
      const issued = await startSession(tx, ctx.config, { userId, initialDisplayName: device.initialDisplayName, refreshable: false });
      return { user_id: userId, home_server: server, ...issued };
    });
    if (result) return result;
  }
}

/**
 * The guest a registration with `guest_access_token` upgrades: the token must be
 * a live guest token and `username` that guest's localpart (M_USER_IN_USE else,
 * as the name is taken by someone the request cannot speak for).
 */
export async function guestToUpgrade(ctx: ClientApiContext, guestAccessToken: string, username: string | undefined): Promise<string> {
  const record = await findAccessToken(ctx.db, hashToken(guestAccessToken));
  if (!record || !record.isGuest || (record.expiresTs !== null && record.expiresTs <= Date.now())) {
    throw Errors.forbidden('Invalid guest_access_token');
  }
  if (username === undefined) throw Errors.missingParam('username');
  if (userIdOf(username.toLowerCase(), ctx.config.server_name) !== record.userId) throw Errors.userInUse();
  return record.userId;
}

/** Sets the password and clears the guest flag (revoking cached token records that still say "guest"). */
export async function upgradeGuest(
  ctx: ClientApiContext,
  userId: string,
  password: string,
  session: SessionOptions | undefined,
): Promise<{ user_id: string; home_server: string } & Partial<IssuedSession>> {
  const passwordHash = await hashPassword(password, passwordHashParams(ctx.config));
  const localpart = userId.slice(1, userId.indexOf(':'));
  return revokingTokens(ctx, userId, async (tx) => {
    if (!(await upgradeGuestUser(tx, userId, passwordHash, localpart))) throw Errors.userInUse();
    const issued = session && (await startSession(tx, ctx.config, { userId, ...session }));
    return { user_id: userId, home_server: ctx.config.server_name, ...issued };
  });
}
