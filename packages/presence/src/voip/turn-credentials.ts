/**
 * TURN credentials for GET /voip/turnServer. With a shared secret they are
 * time-limited, in the scheme TURN servers implement for it (coturn's
 * use-auth-secret, "TURN REST API"): username "<expiry seconds>:<user id>",
 * password base64(HMAC-SHA1(secret, username)); the TURN server recomputes the
 * password and refuses expired usernames. Otherwise the operator's static
 * username/password are handed out. No URIs configured: no TURN (an empty
 * object, as Synapse answers).
 */
import { createHmac } from 'node:crypto';
import type { HomeserverConfig } from '@lattice/core';

export interface TurnCredentials {
  username: string;
  password: string;
  uris: string[];
  /** Seconds. */
  ttl: number;
}

type TurnConfig = Pick<HomeserverConfig, 'turn_uris' | 'turn_shared_secret' | 'turn_username' | 'turn_password' | 'turn_user_lifetime'>;

export function timeLimitedTurnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username, 'utf8').digest('base64');
}

/** The credentials for `userId` at `now` (ms), or undefined when TURN is not configured. */
export function turnCredentials(config: TurnConfig, userId: string, now: number): TurnCredentials | undefined {
  if (config.turn_uris.length === 0) return undefined;
  const ttl = Math.floor(config.turn_user_lifetime / 1000);
  if (config.turn_shared_secret) {
    const username = `${Math.floor((now + config.turn_user_lifetime) / 1000)}:${userId}`;
    return { username, password: timeLimitedTurnPassword(config.turn_shared_secret, username), uris: config.turn_uris, ttl };
  }
  if (config.turn_username && config.turn_password) {
    return { username: config.turn_username, password: config.turn_password, uris: config.turn_uris, ttl };
  }
  return undefined;
}
