/** Password hashing and the identifier helpers, without HTTP. */
import { MatrixError } from '@lattice/core';
import { hashPassword, localUserIdFromIdentifier, normaliseLocalpart, verifyPassword } from '@lattice/client-api';

describe('password hashes', () => {
  test('self-describing scrypt with a random salt; verify accepts only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsf', a)).toBe(false);
  });

  test('hashes with other parameters still verify (the cost can change)', async () => {
    const cheap = await hashPassword('pw', { ln: 10, r: 8, p: 1 });
    expect(await verifyPassword('pw', cheap)).toBe(true);
  });

  test('no hash or a malformed one never verifies', async () => {
    expect(await verifyPassword('', null)).toBe(false);
    expect(await verifyPassword('pw', '$scrypt$ln=99,r=8,p=1$AAAA$AAAA')).toBe(false);
    expect(await verifyPassword('pw', 'plaintext')).toBe(false);
  });

  test('Unicode passwords are normalised (NFKC) before hashing', async () => {
    const hash = await hashPassword('caf\u00e9');
    expect(await verifyPassword('cafe\u0301', hash)).toBe(true);
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
