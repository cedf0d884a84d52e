/**
 * The signature check of a third-party invite (membership rule "invite",
 * step 7): does any signature in `content.third_party_invite.signed` verify
 * against a public key of the m.room.third_party_invite event it redeems?
 * Sources: content/rooms/v1.md (rule 5.3.1), appendices "Signing JSON",
 * client-server-api m.room.third_party_invite (public_key, public_keys).
 */
import { signedJsonPayload, verifySignatureString } from '../crypto/sign-json.js';
import { isObject } from './types.js';

/** The public keys an m.room.third_party_invite content offers: `public_key`, then each
 *  `public_keys[].public_key` (unpadded base64 Ed25519 keys). */
export function thirdPartyInvitePublicKeys(content: Record<string, unknown>): string[] {
  const keys: string[] = [];
  if (typeof content['public_key'] === 'string') keys.push(content['public_key']);
  const list = content['public_keys'];
  if (Array.isArray(list)) {
    for (const entry of list) {
      if (isObject(entry) && typeof entry['public_key'] === 'string') keys.push(entry['public_key']);
    }
  }
  return keys;
}

/** True when some `ed25519:*` signature of `signed` verifies against one of `publicKeys`. */
export function verifyThirdPartyInviteSignature(
  signed: Record<string, unknown>,
  publicKeys: readonly string[],
): boolean {
  const signatures = signed['signatures'];
  if (!isObject(signatures) || publicKeys.length === 0) return false;
  let payload: string;
  try {
    payload = signedJsonPayload(signed);
  } catch {
    return false; // not canonical JSON: nothing can have signed it
  }
  for (const server in signatures) {
    const byKeyId = signatures[server];
    if (!isObject(byKeyId)) continue;
    for (const keyId in byKeyId) {
      const signature = byKeyId[keyId];
      if (!keyId.startsWith('ed25519:') || typeof signature !== 'string') continue;
      for (const key of publicKeys) if (verifySignatureString(payload, signature, key)) return true;
    }
  }
  return false;
}
