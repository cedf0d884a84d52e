/**
 * Issuing credentials: a device plus an access token (and, for clients that
 * support them, a refresh token and an expiring access token). Shared by
 * /login, /register, /refresh and shared-secret registration.
 */
import { Errors, type HomeserverConfig } from '@lattice/core';
import type { Queryable } from '@lattice/storage';
import { generateDeviceId, generateToken, hashToken } from '../crypto/tokens.js';
import { optionalBoolean, optionalString } from '../http/validate.js';
import { deleteDeviceTokens, insertAccessToken } from '../stores/access-tokens.js';
import { ensureDevice } from '../stores/devices.js';
import { insertRefreshToken } from '../stores/refresh-tokens.js';

export interface IssuedTokens {
  access_token: string;
  refresh_token?: string;
  expires_in_ms?: number;
}

export interface IssuedSession extends IssuedTokens {
  device_id: string;
}

/** Token lifetimes: only refreshable access tokens expire. */
type Lifetimes = Pick<HomeserverConfig, 'access_token_lifetime_ms' | 'refresh_token_lifetime_ms'>;

/** Issues an access token (and refresh token when `refreshable`) for an existing device. */
export async function issueTokens(
  tx: Queryable,
  config: Lifetimes,
  userId: string,
  deviceId: string,
  refreshable: boolean,
  now = Date.now(),
): Promise<IssuedTokens & { refreshTokenId: number | null }> {
  const access_token = generateToken('access');
  if (!refreshable) {
    await insertAccessToken(tx, { hash: hashToken(access_token), userId, deviceId, expiresTs: null, refreshTokenId: null }, now);
    return { access_token, refreshTokenId: null };
  }
  const refresh_token = generateToken('refresh');
  const refreshLifetime = config.refresh_token_lifetime_ms;
  const refreshTokenId = await insertRefreshToken(
    tx,
    { hash: hashToken(refresh_token), userId, deviceId, expiresTs: refreshLifetime === undefined ? null : now + refreshLifetime },
    now,
  );
  const expires_in_ms = config.access_token_lifetime_ms;
  await insertAccessToken(tx, { hash: hashToken(access_token), userId, deviceId, expiresTs: now + expires_in_ms, refreshTokenId }, now);
  return { access_token, refresh_token, expires_in_ms, refreshTokenId };
}

export interface SessionRequest {
  userId: string;
  /** A device the client already uses (its old tokens are revoked) or a new one it names. */
  deviceId?: string;
  /** Display name for a newly created device; ignored for an existing one. */
  initialDisplayName?: string;
  refreshable: boolean;
}

/**
 * Logs a device in. Per "Relationship between access tokens and devices", reusing
 * a device id invalidates the tokens previously assigned to that device. Run it
 * in a transaction: the device and its tokens appear together or not at all.
 */
export async function startSession(tx: Queryable, config: Lifetimes, req: SessionRequest): Promise<IssuedSession> {
  const now = Date.now();
  let deviceId = req.deviceId;
  if (deviceId === undefined) {
    do deviceId = generateDeviceId();
    while (!(await ensureDevice(tx, req.userId, deviceId, req.initialDisplayName ?? null, now)));
  } else if (!(await ensureDevice(tx, req.userId, deviceId, req.initialDisplayName ?? null, now))) {
    await deleteDeviceTokens(tx, req.userId, deviceId);
  }
  const { refreshTokenId: _, ...tokens } = await issueTokens(tx, config, req.userId, deviceId, req.refreshable, now);
  return { device_id: deviceId, ...tokens };
}

export const MAX_DEVICE_ID_LENGTH = 255;

/** The session fields shared by /login and /register request bodies. */
export function readSessionOptions(body: Record<string, unknown>): { deviceId?: string; initialDisplayName?: string; refreshable: boolean } {
  const deviceId = optionalString(body, 'device_id');
  if (deviceId !== undefined && (deviceId.length === 0 || deviceId.length > MAX_DEVICE_ID_LENGTH)) {
    throw Errors.invalidParam(`'device_id' must be 1 to ${MAX_DEVICE_ID_LENGTH} characters`);
  }
  return {
    deviceId,
    initialDisplayName: optionalString(body, 'initial_device_display_name'),
    refreshable: optionalBoolean(body, 'refresh_token') ?? false,
  };
}
