/**
 * Shapes shared by the authorisation rules and their callers (event persister,
 * state resolution). Source: content/rooms/v*.md "Authorisation rules".
 */
import type { RoomEvent } from '../events/pdu.js';

/** Room state as the auth rules see it: the state event for (type, state_key), if any.
 *  In room version 12 it must still answer ('m.room.create', '') with the room's
 *  create event (derived by the caller from the room id, never cited in auth_events). */
export type StateLookup = (type: string, stateKey: string) => RoomEvent | undefined;

export type AuthDecision = { ok: true } | { ok: false; reason: string };

/** Hooks for the checks that need cryptography or key material. */
export interface AuthOptions {
  /** Does any signature in `signed` (a third_party_invite's `signed` object) verify
   *  against one of `publicKeys` (unpadded base64 Ed25519 keys)? Defaults to
   *  verifyThirdPartyInviteSignature (node:crypto). */
  verifyThirdPartyInvite?: (signed: Record<string, unknown>, publicKeys: readonly string[]) => boolean;
}

/** Shared so that the common path allocates nothing. */
export const ALLOW: AuthDecision = Object.freeze({ ok: true as const });

export function reject(reason: string): AuthDecision {
  return { ok: false, reason };
}

/** A JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
