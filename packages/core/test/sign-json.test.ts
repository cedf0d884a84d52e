import nacl from 'tweetnacl';
import { ed25519PublicKeyObject, ed25519Sign, ed25519Verify, ed25519PrivateKeyObject } from '../src/crypto/ed25519.js';
import { generateSigningKey, signingKeyFromSeed } from '../src/crypto/signing-key.js';
import { signJson, verifyJsonSignature, signatureOf } from '../src/crypto/sign-json.js';
import { decodeBase64, encodeBase64 } from '../src/encoding/base64.js';
import { canonicalJson } from '../src/json/canonical-json.js';

const SPEC_KEY = signingKeyFromSeed(decodeBase64('YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1'), '1');

describe('signJson: appendices test vectors', () => {
  test('empty object', () => {
    expect(signJson({}, 'domain', SPEC_KEY)).toEqual({
      signatures: {
        domain: {
          'ed25519:1': 'K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ',
        },
      },
    });
  });

  test('object with data', () => {
    expect(signJson({ one: 1, two: 'Two' }, 'domain', SPEC_KEY)).toEqual({
      one: 1,
      signatures: {
        domain: {
          'ed25519:1': 'KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw',
        },
      },
      two: 'Two',
    });
  });
});

describe('signJson', () => {
  test('ignores signatures and unsigned, keeps them, and never mutates the input', () => {
    const input = {
      one: 1,
      two: 'Two',
      unsigned: { age_ts: 5 },
      signatures: { other: { 'ed25519:x': 'sig' }, domain: { 'ed25519:0': 'old' } },
    };
    const snapshot = JSON.parse(JSON.stringify(input));
    const signed = signJson(input, 'domain', SPEC_KEY);
    expect(input).toEqual(snapshot);
    expect(signed.unsigned).toEqual({ age_ts: 5 });
    expect(signed.signatures).toEqual({
      other: { 'ed25519:x': 'sig' },
      domain: {
        'ed25519:0': 'old',
        'ed25519:1': 'KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw',
      },
    });
  });

  test('two servers can sign the same object', () => {
    const other = generateSigningKey();
    const signed = signJson(signJson({ a: 1 }, 'one.example', SPEC_KEY), 'two.example', other);
    expect(verifyJsonSignature(signed, 'one.example', 'ed25519:1', SPEC_KEY.publicKey)).toBe(true);
    expect(verifyJsonSignature(signed, 'two.example', other.keyId, other.publicKeyBase64)).toBe(true);
  });
});

describe('verifyJsonSignature', () => {
  const signed = signJson({ one: 1, two: 'Two', unsigned: { x: 1 } }, 'domain', SPEC_KEY);

  test('accepts a valid signature, with the key as bytes or base64', () => {
    expect(verifyJsonSignature(signed, 'domain', 'ed25519:1', SPEC_KEY.publicKey)).toBe(true);
    expect(verifyJsonSignature(signed, 'domain', 'ed25519:1', SPEC_KEY.publicKeyBase64)).toBe(true);
  });

  test('is not affected by changes to unsigned or other signatures', () => {
    const changed = { ...signed, unsigned: { y: 2 }, signatures: { ...signed.signatures, x: { 'ed25519:a': 'b' } } };
    expect(verifyJsonSignature(changed, 'domain', 'ed25519:1', SPEC_KEY.publicKey)).toBe(true);
  });

  test('rejects tampering, wrong keys, wrong names, and malformed signatures', () => {
    const other = generateSigningKey();
    expect(verifyJsonSignature({ ...signed, one: 2 }, 'domain', 'ed25519:1', SPEC_KEY.publicKey)).toBe(false);
    expect(verifyJsonSignature({ ...signed, three: 3 }, 'domain', 'ed25519:1', SPEC_KEY.publicKey)).toBe(false);
    expect(verifyJsonSignature(signed, 'domain', 'ed25519:1', other.publicKey)).toBe(false);
    expect(verifyJsonSignature(signed, 'elsewhere', 'ed25519:1', SPEC_KEY.publicKey)).toBe(false);
    expect(verifyJsonSignature(signed, 'domain', 'ed25519:2', SPEC_KEY.publicKey)).toBe(false);
    expect(verifyJsonSignature({ ...signed, signatures: { domain: { 'ed25519:1': '!!!' } } }, 'domain', 'ed25519:1', SPEC_KEY.publicKey)).toBe(false);
    expect(verifyJsonSignature({ ...signed, signatures: { domain: { 'ed25519:1': 'AAAA' } } }, 'domain', 'ed25519:1', SPEC_KEY.publicKey)).toBe(false);
    expect(verifyJsonSignature({ ...signed, signatures: 'x' }, 'domain', 'ed25519:1', SPEC_KEY.publicKey)).toBe(false);
    expect(verifyJsonSignature(signed, 'domain', 'ed25519:1', 'short')).toBe(false);
    expect(verifyJsonSignature({ ...signed, f: 1.5 }, 'domain', 'ed25519:1', SPEC_KEY.publicKey)).toBe(false);
  });

  test('only ed25519 key ids are understood', () => {
    const sig = signatureOf(signed, 'domain', 'ed25519:1')!;
    const relabelled = { ...signed, signatures: { domain: { 'curve25519:1': sig } } };
    expect(verifyJsonSignature(relabelled, 'domain', 'curve25519:1', SPEC_KEY.publicKey)).toBe(false);
  });
});

describe('cross-check with tweetnacl', () => {
  const docs: Record<string, unknown>[] = [
    {},
    { a: '日本語', b: [1, 2, { c: null }], '\u{1F600}': true },
    { nested: { deeper: { deepest: 'x'.repeat(1000) } }, n: -9007199254740991 },
  ];

  test.each(docs)('our signature verifies with tweetnacl: %#', (doc) => {
    const key = generateSigningKey();
    const signed = signJson(doc, 'example.org', key);
    const message = Buffer.from(canonicalJson(doc), 'utf8');
    const sig = decodeBase64(signed.signatures['example.org']![key.keyId]!);
    expect(nacl.sign.detached.verify(message, sig, key.publicKey)).toBe(true);
  });

  test.each(docs)('tweetnacl signature verifies with ours: %#', (doc) => {
    const pair = nacl.sign.keyPair();
    const message = Buffer.from(canonicalJson(doc), 'utf8');
    const sig = encodeBase64(nacl.sign.detached(message, pair.secretKey));
    const signed = { ...doc, signatures: { 'example.org': { 'ed25519:n': sig } } };
    expect(verifyJsonSignature(signed, 'example.org', 'ed25519:n', pair.publicKey)).toBe(true);
    expect(verifyJsonSignature({ ...signed, extra: 1 }, 'example.org', 'ed25519:n', pair.publicKey)).toBe(false);
  });

  test('raw sign/verify agree both ways on random messages', () => {
    for (let i = 0; i < 20; i++) {
      const seed = nacl.randomBytes(32);
      const pair = nacl.sign.keyPair.fromSeed(seed);
      const message = nacl.randomBytes(i * 13);
      const ours = ed25519Sign(ed25519PrivateKeyObject(seed), message);
      // Ed25519 is deterministic: both implementations give the same bytes.
      expect(Buffer.from(ours).equals(Buffer.from(nacl.sign.detached(message, pair.secretKey)))).toBe(true);
      expect(ed25519Verify(pair.publicKey, message, nacl.sign.detached(message, pair.secretKey))).toBe(true);
      expect(ed25519Verify(ed25519PublicKeyObject(pair.publicKey), message, ours)).toBe(true);
      const flipped = Buffer.from(ours);
      flipped[0]! ^= 1;
      expect(ed25519Verify(pair.publicKey, message, flipped)).toBe(false);
    }
  });

  test('malformed signatures and keys', () => {
    const pair = nacl.sign.keyPair();
    expect(ed25519Verify(pair.publicKey, 'x', new Uint8Array(63))).toBe(false);
    expect(() => ed25519PublicKeyObject(new Uint8Array(31))).toThrow(RangeError);
  });

  test('the public key cache returns the same KeyObject', () => {
    const pair = nacl.sign.keyPair();
    expect(ed25519PublicKeyObject(pair.publicKey)).toBe(ed25519PublicKeyObject(Buffer.from(pair.publicKey)));
  });
});
