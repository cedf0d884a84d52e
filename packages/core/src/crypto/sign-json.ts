/**
 * Signing JSON and checking a signature (appendices "Signing JSON",
 * "Checking for a Signature"): the signature covers the canonical JSON of the
 * object without its `signatures` and `unsigned` members.
 */
import { canonicalJson } from '../json/canonical-json.js';
import { decodeBase64, encodeBase64, InvalidBase64Error } from '../encoding/base64.js';
import { ed25519Sign, ed25519Verify } from './ed25519.js';
import { sharedEd25519Verifier } from './ed25519-verify-pool.js';
import { privateKeyObject, type SigningKey } from './signing-key.js';

const UNSIGNED_MEMBERS: ReadonlySet<string> = new Set(['signatures', 'unsigned']);

export type Signatures = Record<string, Record<string, string>>;
export type SignedJson<T> = T & { signatures: Signatures };

/** The exact bytes a signature covers (as a string: hash or sign it as UTF-8). */
export function signedJsonPayload(obj: Record<string, unknown>, options?: { strict?: boolean }): string {
  return canonicalJson(obj, { strict: options?.strict ?? true, omit: UNSIGNED_MEMBERS });
}

/** Unpadded base64 Ed25519 signature of the payload string. */
export function signPayload(payload: string, key: SigningKey): string {
  return encodeBase64(ed25519Sign(privateKeyObject(key), payload));
}

/** Returns a copy of obj with the signature added to any it already carries; obj is not modified. */
export function signJson<T extends Record<string, unknown>>(
  obj: T,
  signingName: string,
  key: SigningKey,
  options?: { strict?: boolean },
): SignedJson<T> {
  const signature = signPayload(signedJsonPayload(obj, options), key);
  return { ...obj, signatures: addSignature(obj.signatures, signingName, key.keyId, signature) };
}

/** A new signatures object: the existing ones plus `signatures[name][keyId] = signature`. */
export function addSignature(existing: unknown, name: string, keyId: string, signature: string): Signatures {
  const base = isObject(existing) ? (existing as Signatures) : {};
  const forName = isObject(base[name]) ? base[name] : {};
  return { ...base, [name]: { ...forName, [keyId]: signature } };
}

/**
 * Whether obj carries a valid signature by `signingName` with `keyId` under publicKey
 * (raw 32 bytes or unpadded base64). Missing or undecodable signatures, unknown
 * algorithms, and objects that cannot be canonicalised all give false.
 */
export function verifyJsonSignature(
  obj: Record<string, unknown>,
  signingName: string,
  keyId: string,
  publicKey: Uint8Array | string,
  options?: { strict?: boolean },
): boolean {
  const signature = signatureOf(obj, signingName, keyId);
  if (signature === undefined || !keyId.startsWith('ed25519:')) return false;
  let payload: string;
  try {
    payload = signedJsonPayload(obj, options);
  } catch {
    return false;
  }
  return verifySignatureString(payload, signature, publicKey);
}

/** Checks an unpadded base64 signature over payload; false on any decoding problem. */
export function verifySignatureString(payload: string, signatureBase64: string, publicKey: Uint8Array | string): boolean {
  const decoded = decodeKeyAndSignature(publicKey, signatureBase64);
  return decoded !== undefined && decoded.key.length === 32 && ed25519Verify(decoded.key, payload, decoded.signature);
}

/** verifySignatureString on the shared verification threads (for bulk checks: a send_join answer, a transaction). */
export async function verifySignatureStringOffThread(payload: string, signatureBase64: string, publicKey: Uint8Array | string): Promise<boolean> {
  const decoded = decodeKeyAndSignature(publicKey, signatureBase64);
  return decoded !== undefined && sharedEd25519Verifier().verify(decoded.key, payload, decoded.signature);
}

/** The raw key and signature; undefined when either is not valid base64. */
function decodeKeyAndSignature(publicKey: Uint8Array | string, signatureBase64: string): { key: Uint8Array; signature: Uint8Array } | undefined {
  try {
    return { key: typeof publicKey === 'string' ? decodeBase64(publicKey) : publicKey, signature: decodeBase64(signatureBase64) };
  } catch (e) {
    if (e instanceof InvalidBase64Error) return undefined;
    throw e;
  }
}

/** signatures[signingName][keyId] if it is a string. */
export function signatureOf(obj: Record<string, unknown>, signingName: string, keyId: string): string | undefined {
  const signatures = obj.signatures;
  if (!isObject(signatures)) return undefined;
  const forName = (signatures as Record<string, unknown>)[signingName];
  if (!isObject(forName)) return undefined;
  const sig = (forName as Record<string, unknown>)[keyId];
  return typeof sig === 'string' ? sig : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
