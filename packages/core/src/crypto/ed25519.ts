/**
 * Ed25519 through node:crypto (OpenSSL), far faster than a pure-JS implementation.
 * Keys travel as raw 32-byte seeds and public keys; the KeyObjects that OpenSSL
 * needs are costly to build, so they are cached.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

// DER headers that wrap a raw key into PKCS#8 (private) and SPKI (public) for Ed25519 (OID 1.3.101.112).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export const ED25519_SEED_LENGTH = 32;
export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

export function randomEd25519Seed(): Buffer {
  return randomBytes(ED25519_SEED_LENGTH);
}

export function ed25519PrivateKeyObject(seed: Uint8Array): KeyObject {
  if (seed.length !== ED25519_SEED_LENGTH) throw new RangeError('An Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function ed25519PublicKeyFromSeed(seed: Uint8Array): Buffer {
  const spki = createPublicKey(ed25519PrivateKeyObject(seed)).export({ format: 'der', type: 'spki' });
  return spki.subarray(SPKI_PREFIX.length);
}

export function ed25519Sign(privateKey: KeyObject, message: Uint8Array | string): Buffer {
  return sign(null, typeof message === 'string' ? Buffer.from(message, 'utf8') : message, privateKey);
}

// Verification keys of remote servers: a bounded map, recently used entries kept.
const PUBLIC_KEY_CACHE_LIMIT = 4096;
const publicKeyCache = new Map<string, KeyObject>();

/** The KeyObject for a raw 32-byte public key (cached by its bytes). */
export function ed25519PublicKeyObject(publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) throw new RangeError('An Ed25519 public key is 32 bytes');
  const cacheKey = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1');
  let key = publicKeyCache.get(cacheKey);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    if (publicKeyCache.size >= PUBLIC_KEY_CACHE_LIMIT) {
      publicKeyCache.delete(publicKeyCache.keys().next().value as string);
    }
  } else {
    publicKeyCache.delete(cacheKey); // re-insert below to mark as recently used
  }
  publicKeyCache.set(cacheKey, key);
  return key;
}

/** Verifies a detached signature; false (never a throw) for malformed signatures. */
export function ed25519Verify(publicKey: Uint8Array | KeyObject, message: Uint8Array | string, signature: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  const key = publicKey instanceof Uint8Array ? ed25519PublicKeyObject(publicKey) : publicKey;
  return verify(null, typeof message === 'string' ? Buffer.from(message, 'utf8') : message, key, signature);
}
