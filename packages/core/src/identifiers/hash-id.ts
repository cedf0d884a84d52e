/**
 * Identifiers that are a sigil plus an unpadded base64 SHA-256 (event ids from room
 * version 3, room ids from version 12).
 */

/** Unpadded base64 of 32 bytes. */
export const SHA256_BASE64_LENGTH = 43;

const STANDARD_HASH = /^[A-Za-z0-9+/]{43}$/;
const URL_SAFE_HASH = /^[A-Za-z0-9_-]{43}$/;

export function isStandardBase64Hash(s: string): boolean {
  return STANDARD_HASH.test(s);
}

export function isUrlSafeBase64Hash(s: string): boolean {
  return URL_SAFE_HASH.test(s);
}
