/**
 * Opaque secrets handed to clients (access and refresh tokens) and the ids we
 * generate. Tokens are 256 random bits; only their sha256 digest is stored, so
 * a read of the tokens tables cannot be replayed as a login.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';

export type TokenKind = 'access' | 'refresh';

const PREFIX: Record<TokenKind, string> = { access: 'lat_', refresh: 'latr_' };

export function generateToken(kind: TokenKind): string {
  return PREFIX[kind] + randomBytes(32).toString('base64url');
}

/** The stored form of a token: sha256, unpadded base64url. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomString(alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** Device ids in the style clients are used to seeing (ten upper-case letters). */
export function generateDeviceId(): string {
  return randomString(UPPER, 10);
}

/** A localpart for a registration that did not ask for one (letters first, so never numeric-only). */
export function generateLocalpart(): string {
  return 'u' + randomString(LOWER_ALNUM, 11);
}

/** Session ids, nonces and other unguessable identifiers. */
export function generateSecretId(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
