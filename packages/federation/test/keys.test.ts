import { generateSigningKey, signJson } from '@lattice/core';
import { checkKeyResponse, KeyResponseError, MAX_KEY_VALIDITY_MS, OwnServerKeys, usableKeys, usableUntil } from '../src/index.js';

const DAY = 86_400_000;

describe('OwnServerKeys', () => {
  const key = generateSigningKey('current');
  const old = generateSigningKey('old');

  it('publishes the current key, old keys (not the current one again) and valid_until_ts = now + interval, self-signed', () => {
    let now = 5_000;
    const own = new OwnServerKeys({
      serverName: 'hs.example',
      signingKey: key,
      oldKeys: { [old.keyId]: { key: old.publicKeyBase64, expired_ts: 4_000 }, [key.keyId]: { key: 'ignored', expired_ts: 1 } },
      refreshIntervalMs: DAY,
      now: () => now,
    });
    const response = own.response();
    expect(response).toMatchObject({
      server_name: 'hs.example',
      verify_keys: { [key.keyId]: { key: key.publicKeyBase64 } },
      old_verify_keys: { [old.keyId]: { key: old.publicKeyBase64, expired_ts: 4_000 } },
      valid_until_ts: 5_000 + DAY,
    });
    expect(checkKeyResponse(response, 'hs.example').keys.map((k) => k.keyId)).toEqual([key.keyId, old.keyId]);
    // The same signed answer for half its lifetime, then a fresh one.
    now += DAY / 2 - 1;
    expect(own.response()).toBe(response);
    now += 1;
    expect(own.response().valid_until_ts).toBe(now + DAY);
    // Our own keys for our own signatures: old ones only up to their expiry.
    expect(own.publicKey(key.keyId, 10 ** 15)).toBe(key.publicKeyBase64);
    expect(own.publicKey(old.keyId, 4_000)).toBe(old.publicKeyBase64);
    expect(own.publicKey(old.keyId, 4_001)).toBeUndefined();
  });
});

describe('checkKeyResponse', () => {
  const key = generateSigningKey('k');
  const base = { server_name: 'hs.example', verify_keys: { [key.keyId]: { key: key.publicKeyBase64 } }, old_verify_keys: {}, valid_until_ts: 10 };
  const signed = (json: Record<string, unknown>, k = key) => signJson(json, 'hs.example', k, { strict: false });

  it('accepts a self-signed response, ignores other algorithms, and keeps only the owner’s signatures', () => {
    const json = signed({ ...base, verify_keys: { ...base.verify_keys, 'curve25519:x': { key: 'whatever' } } });
    const withNotary = signJson(json, 'notary.example', generateSigningKey('n'));
    const checked = checkKeyResponse(withNotary, 'hs.example');
    expect(checked.keys).toEqual([{ keyId: key.keyId, publicKey: key.publicKeyBase64, validUntilTs: 10, expiredTs: undefined }]);
    expect(Object.keys(checked.selfSigned.signatures as object)).toEqual(['hs.example']);
  });

  it.each([
    ['another server', () => signed({ ...base, server_name: 'other.example' })],
    ['no valid_until_ts', () => signed(Object.fromEntries(Object.entries(base).filter(([k]) => k !== 'valid_until_ts')))],
    ['a fractional valid_until_ts', () => signed({ ...base, valid_until_ts: 1.5 })],
    ['a key that is not 32 bytes', () => signed({ ...base, verify_keys: { [key.keyId]: { key: 'AAAA' } } })],
    ['a bad key version', () => signed({ ...base, verify_keys: { 'ed25519:bad-version!': { key: key.publicKeyBase64 } } })],
    ['an old key without expired_ts', () => signed({ ...base, old_verify_keys: { 'ed25519:o': { key: key.publicKeyBase64 } } })],
    ['no signature', () => base],
    ['a signature by a key it does not list', () => signed(base, generateSigningKey('other'))],
    ['a signature that does not verify', () => ({ ...signed(base), valid_until_ts: 11 })],
    ['not an object', () => [base]],
  ])('refuses %s', (_name, json) => {
    expect(() => checkKeyResponse(json(), 'hs.example')).toThrow(KeyResponseError);
  });
});

describe('key validity', () => {
  it('caps a current key at 7 days after it was fetched and uses an old key until its expiry', () => {
    expect(usableUntil({ validUntilTs: 100, expiredTs: undefined, fetchedTs: 0 })).toBe(100);
    expect(usableUntil({ validUntilTs: 10 ** 15, expiredTs: undefined, fetchedTs: 1000 })).toBe(1000 + MAX_KEY_VALIDITY_MS);
    expect(usableUntil({ validUntilTs: 10 ** 15, expiredTs: 50, fetchedTs: 1000 })).toBe(50);
    const stored = { keyId: 'ed25519:a', publicKey: 'A', validUntilTs: 100, expiredTs: undefined, fetchedTs: 0, fromServer: 's', responseJson: '{}' };
    expect(usableKeys([stored], ['ed25519:a', 'ed25519:b'], 100)).toEqual(new Map([['ed25519:a', 'A']]));
    expect(usableKeys([stored], ['ed25519:a'], 101).size).toBe(0);
  });
});
