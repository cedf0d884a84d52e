/** Adapts the KeyRing to the signature checker's per-key lookup (core's KeyLookup). */
import type { KeyLookup } from '@lattice/core';
import type { KeyRing } from '../api.js';

export function keyLookupOf(keyRing: KeyRing): KeyLookup {
  return async (server, keyId, atTs) => {
    const keys = await keyRing.verifyKeys(server, [keyId], atTs);
    const publicKey = keys.get(keyId);
    // The key ring only returns keys valid at atTs, so the validity check passes by construction.
    return publicKey === undefined ? undefined : { publicKey, validUntilTs: Number.MAX_SAFE_INTEGER };
  };
}
