import nacl from 'tweetnacl';
import {
  formatSigningKeyFile,
  generateSigningKey,
  parseSigningKeyFile,
  SigningKeyFileError,
  signingKeyFromSeed,
} from '../src/crypto/signing-key.js';
import { decodeBase64, encodeBase64 } from '../src/encoding/base64.js';

// appendices "Cryptographic Test Vectors"
const SPEC_SEED = decodeBase64('YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1');

describe('SigningKey', () => {
  test('derives the same public key as tweetnacl from a seed', () => {
    const key = signingKeyFromSeed(SPEC_SEED, '1');
    const nacl_ = nacl.sign.keyPair.fromSeed(SPEC_SEED);
    expect(Buffer.from(key.publicKey).equals(Buffer.from(nacl_.publicKey))).toBe(true);
    expect(key.publicKeyBase64).toBe(encodeBase64(nacl_.publicKey));
    expect(key.keyId).toBe('ed25519:1');
    expect(key.algorithm).toBe('ed25519');
    expect(key.version).toBe('1');
  });

  test('generateSigningKey makes distinct keys with Synapse-style versions', () => {
    const a = generateSigningKey();
    const b = generateSigningKey();
    expect(a.version).toMatch(/^a_[A-Za-z]{4}$/);
    expect(a.keyId).toBe(`ed25519:${a.version}`);
    expect(a.seed).toHaveLength(32);
    expect(Buffer.from(a.seed).equals(Buffer.from(b.seed))).toBe(false);
    expect(generateSigningKey('auto').version).toBe('auto');
    const pair = nacl.sign.keyPair.fromSeed(a.seed);
    expect(Buffer.from(pair.publicKey).equals(Buffer.from(a.publicKey))).toBe(true);
  });

  test('rejects bad versions and seeds', () => {
    expect(() => signingKeyFromSeed(SPEC_SEED, 'a:b')).toThrow(RangeError);
    expect(() => signingKeyFromSeed(SPEC_SEED, '')).toThrow(RangeError);
    expect(() => signingKeyFromSeed(SPEC_SEED.subarray(1), '1')).toThrow(RangeError);
  });

  test('copies the seed so later changes to the caller buffer do not alter the key', () => {
    const seed = Buffer.from(SPEC_SEED);
    const key = signingKeyFromSeed(seed, '1');
    seed.fill(0);
    expect(Buffer.from(key.seed).equals(SPEC_SEED)).toBe(true);
  });
});

describe('signing key file (Synapse format)', () => {
  test('round-trips', () => {
    const keys = [signingKeyFromSeed(SPEC_SEED, '1'), generateSigningKey('a_BcDe')];
    const text = formatSigningKeyFile(keys);
    // The spec writes the seed with non-zero unused trailing bits (…XA1); the canonical encoding ends …XA0.
    expect(text.split('\n')[0]).toBe('ed25519 1 YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA0');
    const parsed = parseSigningKeyFile(text);
    expect(parsed.map((k) => [k.keyId, k.publicKeyBase64])).toEqual(keys.map((k) => [k.keyId, k.publicKeyBase64]));
  });

  test('reads a Synapse file with padding, CRLF and blank lines', () => {
    const parsed = parseSigningKeyFile('\r\ned25519 a_XyZw YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA0=\r\n\n');
    expect(parsed).toHaveLength(1);
    expect(parsed[0]!.keyId).toBe('ed25519:a_XyZw');
  });

  test.each([
    ['wrong algorithm', 'curve25519 1 YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1'],
    ['missing seed', 'ed25519 1'],
    ['bad base64', 'ed25519 1 YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZ!!w8Md7kMW+3XA1'],
    ['short seed', 'ed25519 1 YJDBA9Xnr2sVqXD9'],
    ['bad version', 'ed25519 a:b YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1'],
  ])('rejects %s', (_name, text) => {
    expect(() => parseSigningKeyFile(text)).toThrow(SigningKeyFileError);
  });
});
