/** Password hashing and the identifier helpers, without HTTP. */
import { MatrixError, parseConfig } from '@lattice/core';
import { hashPassword, localUserIdFromIdentifier, normaliseLocalpart, passwordHashParams, verifyPassword } from '@lattice/client-api';

describe('password hashes', () => {
  const DEFAULT = passwordHashParams(parseConfig('server_name: hs\n', { env: {} }));

  test('by default, N = 2^15 (OWASP minimum), r = 8, p = 1', () => {
    expect(DEFAULT).toEqual({ ln: 15, r: 8, p: 1 });
  });

  test('self-describing scrypt with a random salt; verify accepts only the right password', async () => {
    const a = await hashPassword('correct horse', DEFAULT);
    const b = await hashPassword('correct horse', DEFAULT);
    expect(a).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a, DEFAULT)).toBe(true);
    expect(await verifyPassword('correct horsf', a, DEFAULT)).toBe(false);
  });

  test('the configured cost goes into new hashes; hashes of another cost still verify (the cost can change)', async () => {
    const cheapParams = passwordHashParams(parseConfig('server_name: hs\npassword_config: {scrypt_log2_n: 10}\n', { env: {} }));
    const cheap = await hashPassword('pw', cheapParams);
    expect(cheap).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    expect(await verifyPassword('pw', cheap, DEFAULT)).toBe(true);
    expect(await verifyPassword('pw', await hashPassword('pw', DEFAULT), cheapParams)).toBe(true);
  });

  test('no hash or a malformed one never verifies', async () => {
    expect(await verifyPassword('', null, DEFAULT)).toBe(false);
    expect(await verifyPassword('pw', '$scrypt$ln=99,r=8,p=1$AAAA$AAAA', DEFAULT)).toBe(false);
    expect(await verifyPassword('pw', 'plaintext', DEFAULT)).toBe(false);
  });

  test('Unicode passwords are normalised (NFKC) before hashing', async () => {
    const hash = await hashPassword('caf\u00e9', DEFAULT);
    expect(await verifyPassword('cafe\u0301', hash, DEFAULT)).toBe(true);
  });
});

describe('localparts', () => {
  test('lower-cases and validates', () => {
    expect(normaliseLocalpart('Alice', 'hs')).toBe('alice');
    expect(normaliseLocalpart('a.b_c=d-e/f+g', 'hs')).toBe('a.b_c=d-e/f+g');
    for (const bad of ['', 'a b', 'ä', '_x', '123', 'x'.repeat(260)]) {
      const result = normaliseLocalpart(bad, 'hs');
      expect(result).toBeInstanceOf(MatrixError);
      expect((result as MatrixError).errcode).toBe('M_INVALID_USERNAME');
    }
  });

  test('login identifiers name local users only', () => {
    expect(localUserIdFromIdentifier('alice', 'hs')).toBe('@alice:hs');
    expect(localUserIdFromIdentifier('@alice:hs', 'hs')).toBe('@alice:hs');
    expect(localUserIdFromIdentifier('@alice:other', 'hs')).toBeUndefined();
  });
});
