/**
 * Shared grammar of `&localpart:domain` identifiers (appendices "Common Identifier Format").
 */
import { isValidServerName } from './server-name.js';

/** Identifiers, sigil and domain included, are limited to 255 bytes of UTF-8. */
export const MAX_IDENTIFIER_BYTES = 255;

export function withinIdentifierLimit(id: string): boolean {
  // Cheap bound first: a UTF-16 unit is at most 3 UTF-8 bytes.
  return id.length * 3 <= MAX_IDENTIFIER_BYTES || Buffer.byteLength(id, 'utf8') <= MAX_IDENTIFIER_BYTES;
}

export interface SigilParts {
  readonly localpart: string;
  readonly domain: string;
}

/** Splits `&localpart:domain` at the first colon (localparts cannot contain one) and
 *  checks the domain is a valid server name. Length and localpart rules are the caller's. */
export function splitSigilId(id: string, sigil: string): SigilParts | undefined {
  if (id.length < 2 || id[0] !== sigil) return undefined;
  const colon = id.indexOf(':');
  if (colon < 0) return undefined;
  const domain = id.slice(colon + 1);
  if (!isValidServerName(domain)) return undefined;
  return { localpart: id.slice(1, colon), domain };
}

/** The permissive localpart grammar: any non-surrogate code points except `:` and NUL. */
export function isPermissiveLocalpart(localpart: string): boolean {
  return localpart.isWellFormed() && localpart.indexOf(':') < 0 && localpart.indexOf('\u0000') < 0;
}
