/** When a fetched key may be used (keys.yaml valid_until_ts, rooms/v5 "Signing key validity period"). */
import type { StoredKey } from './key-store.js';

/** Servers must use the lesser of valid_until_ts and 7 days after they fetched the key. */
export const MAX_KEY_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

/** Until when a stored key verifies signatures: an old key until its expired_ts, a current one until its capped validity. */
export function usableUntil(key: Pick<StoredKey, 'validUntilTs' | 'expiredTs' | 'fetchedTs'>): number {
  if (key.expiredTs !== undefined) return key.expiredTs;
  return Math.min(key.validUntilTs, key.fetchedTs + MAX_KEY_VALIDITY_MS);
}

/** The public keys among `keys` for `keyIds` that are usable at `atTs`. */
export function usableKeys(keys: readonly StoredKey[], keyIds: readonly string[], atTs: number): Map<string, string> {
  const found = new Map<string, string>();
  for (const key of keys) {
    if (keyIds.includes(key.keyId) && atTs <= usableUntil(key)) found.set(key.keyId, key.publicKey);
  }
  return found;
}
