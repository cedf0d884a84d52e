/**
 * A server's Ed25519 signing key, and Synapse's signing key file format:
 * one key per line, `ed25519 <version> <unpadded base64 seed>`.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { decodeBase64, encodeBase64 } from '../encoding/base64.js';
import { ED25519_SEED_LENGTH, ed25519PrivateKeyObject, ed25519PublicKeyFromSeed, randomEd25519Seed } from './ed25519.js';

export interface SigningKey {
  readonly algorithm: 'ed25519';
  /** Key version, e.g. `a_AbCd`: the part of the key id after the colon. */
  readonly version: string;
  /** `ed25519:<version>` */
  readonly keyId: string;
  /** The 32-byte private seed. */
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  /** Unpadded base64 of publicKey, as published in /_matrix/key/v2/server. */
  readonly publicKeyBase64: string;
}

/** Key versions are restricted to [a-zA-Z0-9_] (server-server API "Retrieving server keys"). */
const KEY_VERSION = /^[A-Za-z0-9_]+$/;

export function isValidKeyVersion(version: string): boolean {
  return KEY_VERSION.test(version);
}

export function signingKeyFromSeed(seed: Uint8Array, version: string): SigningKey {
  if (!isValidKeyVersion(version)) throw new RangeError(`Invalid signing key version: ${JSON.stringify(version)}`);
  if (seed.length !== ED25519_SEED_LENGTH) throw new RangeError('An Ed25519 seed is 32 bytes');
  const publicKey = ed25519PublicKeyFromSeed(seed);
  const key: SigningKey = Object.freeze({
    algorithm: 'ed25519',
    version,
    keyId: `ed25519:${version}`,
    seed: Uint8Array.from(seed),
    publicKey,
    publicKeyBase64: encodeBase64(publicKey),
  });
  return key;
}

/** A fresh key; the default version follows Synapse's `a_` + 4 random characters. */
export function generateSigningKey(version: string = randomKeyVersion()): SigningKey {
  return signingKeyFromSeed(randomEd25519Seed(), version);
}

function randomKeyVersion(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return 'a_' + Array.from(randomBytes(4), (b) => alphabet[b % alphabet.length]).join('');
}

const privateKeyObjects = new WeakMap<SigningKey, KeyObject>();

/** The OpenSSL key object for signing, built once per SigningKey. */
export function privateKeyObject(key: SigningKey): KeyObject {
  let obj = privateKeyObjects.get(key);
  if (obj === undefined) {
    obj = ed25519PrivateKeyObject(key.seed);
    privateKeyObjects.set(key, obj);
  }
  return obj;
}

export class SigningKeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyFileError';
  }
}

/** Parses a signing key file; blank lines are ignored, anything else malformed throws. */
export function parseSigningKeyFile(text: string): SigningKey[] {
  const keys: SigningKey[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const parts = line.split(/\s+/);
    const where = `signing key file line ${i + 1}`;
    if (parts.length !== 3) throw new SigningKeyFileError(`${where}: expected "ed25519 <version> <base64 seed>"`);
    const [algorithm, version, seedBase64] = parts as [string, string, string];
    if (algorithm !== 'ed25519') throw new SigningKeyFileError(`${where}: unsupported algorithm ${algorithm}`);
    if (!isValidKeyVersion(version)) throw new SigningKeyFileError(`${where}: invalid key version ${version}`);
    let seed: Buffer;
    try {
      seed = decodeBase64(seedBase64);
    } catch {
      throw new SigningKeyFileError(`${where}: seed is not valid base64`);
    }
    if (seed.length !== ED25519_SEED_LENGTH) throw new SigningKeyFileError(`${where}: seed must be 32 bytes`);
    keys.push(signingKeyFromSeed(seed, version));
  }
  return keys;
}

export function formatSigningKeyFile(keys: readonly SigningKey[]): string {
  return keys.map((k) => `${k.algorithm} ${k.version} ${encodeBase64(k.seed)}\n`).join('');
}
