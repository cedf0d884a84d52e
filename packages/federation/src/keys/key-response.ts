/**
 * Checking a server keys object (keys.yaml) received from the server itself or
 * through a notary: it must name the expected server, carry well-formed Ed25519
 * keys, and be self-signed: every signature the server made with one of the
 * listed verify_keys must verify, and there must be at least one.
 */
import { decodeBase64, isValidKeyVersion, verifyJsonSignature } from '@lattice/core';

export interface FetchedKey {
  keyId: string;
  /** Unpadded base64, as published. */
  publicKey: string;
  validUntilTs: number;
  /** Set for old_verify_keys. */
  expiredTs: number | undefined;
}

export interface CheckedKeyResponse {
  serverName: string;
  keys: FetchedKey[];
  /** The response with only the owner's signatures, as stored and served again by a notary. */
  selfSigned: Record<string, unknown>;
}

export class KeyResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyResponseError';
  }
}

const KEY_ID = /^ed25519:(.+)$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEd25519Key(keyId: string, key: unknown): key is string {
  const m = KEY_ID.exec(keyId);
  if (m === null || !isValidKeyVersion(m[1]!) || typeof key !== 'string') return false;
  try {
    return decodeBase64(key).length === 32;
  } catch {
    return false;
  }
}

export function checkKeyResponse(json: unknown, expectedServer: string): CheckedKeyResponse {
  if (!isObject(json)) throw new KeyResponseError('key response is not an object');
  if (json.server_name !== expectedServer) {
    throw new KeyResponseError(`key response is for ${String(json.server_name)}, not ${expectedServer}`);
  }
  const validUntilTs = json.valid_until_ts;
  if (typeof validUntilTs !== 'number' || !Number.isSafeInteger(validUntilTs)) {
    throw new KeyResponseError('valid_until_ts must be an integer');
  }
  if (!isObject(json.verify_keys)) throw new KeyResponseError('verify_keys must be an object');
  const keys: FetchedKey[] = [];
  const current = new Map<string, string>();
  for (const [keyId, entry] of Object.entries(json.verify_keys)) {
    // Other algorithms are not ours to judge; skip them rather than refuse the server.
    if (!keyId.startsWith('ed25519:')) continue;
    const key = isObject(entry) ? entry.key : undefined;
    if (!isEd25519Key(keyId, key)) throw new KeyResponseError(`malformed verify key ${keyId}`);
    current.set(keyId, key);
    keys.push({ keyId, publicKey: key, validUntilTs, expiredTs: undefined });
  }
  const old = json.old_verify_keys ?? {};
  if (!isObject(old)) throw new KeyResponseError('old_verify_keys must be an object');
  for (const [keyId, entry] of Object.entries(old)) {
    if (!keyId.startsWith('ed25519:') || current.has(keyId)) continue;
    const key = isObject(entry) ? entry.key : undefined;
    const expiredTs = isObject(entry) ? entry.expired_ts : undefined;
    if (!isEd25519Key(keyId, key) || typeof expiredTs !== 'number' || !Number.isSafeInteger(expiredTs)) {
      throw new KeyResponseError(`malformed old verify key ${keyId}`);
    }
    keys.push({ keyId, publicKey: key, validUntilTs, expiredTs });
  }

  const ownSignatures = isObject(json.signatures) ? json.signatures[expectedServer] : undefined;
  if (!isObject(ownSignatures)) throw new KeyResponseError(`key response is not signed by ${expectedServer}`);
  let verified = 0;
  for (const keyId of Object.keys(ownSignatures)) {
    const key = current.get(keyId);
    if (key === undefined) continue; // signed with a key it no longer lists: cannot check, proves nothing
    if (!verifyJsonSignature(json, expectedServer, keyId, key, { strict: false })) {
      throw new KeyResponseError(`bad signature ${keyId} on the key response of ${expectedServer}`);
    }
    verified++;
  }
  if (verified === 0) throw new KeyResponseError(`key response is not signed by any verify key of ${expectedServer}`);
  return { serverName: expectedServer, keys, selfSigned: { ...json, signatures: { [expectedServer]: ownSignatures } } };
}
