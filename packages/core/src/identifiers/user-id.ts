/**
 * User ids (appendices "User Identifiers", "Historical User IDs"). New accounts must use
 * the strict localpart grammar; events over federation may carry historical localparts.
 */
import { isPermissiveLocalpart, splitSigilId, withinIdentifierLimit } from './sigil-id.js';

export interface UserId {
  readonly localpart: string;
  readonly domain: string;
  /** False for historical localparts (empty, or characters outside U+0021–U+007E):
   *  accepted in events, but not to be forwarded to clients outside event context. */
  readonly compliant: boolean;
}

const STRICT_LOCALPART = /^[a-z0-9._=\-/+]+$/;
const COMPLIANT_LOCALPART = /^[\u0021-\u007e]+$/;

/** The localpart grammar for new user ids (registration, appservice namespaces). */
export function isValidUserLocalpart(localpart: string): boolean {
  return STRICT_LOCALPART.test(localpart);
}

export interface ParseUserIdOptions {
  /** Require the strict localpart grammar (ids we create or accept from our own clients). Default false. */
  strict?: boolean;
}

export function parseUserId(id: string, options?: ParseUserIdOptions): UserId | undefined {
  if (!withinIdentifierLimit(id)) return undefined;
  const parts = splitSigilId(id, '@');
  if (parts === undefined) return undefined;
  const { localpart, domain } = parts;
  if (options?.strict ? !STRICT_LOCALPART.test(localpart) : !isPermissiveLocalpart(localpart)) return undefined;
  return { localpart, domain, compliant: COMPLIANT_LOCALPART.test(localpart) };
}

export function isValidUserId(id: string, options?: ParseUserIdOptions): boolean {
  return parseUserId(id, options) !== undefined;
}
