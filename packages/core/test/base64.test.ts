import {
  decodeBase64,
  decodeBase64Url,
  encodeBase64,
  encodeBase64Url,
  InvalidBase64Error,
  isValidBase64,
  isValidBase64Url,
} from '../src/encoding/base64.js';

const text = (s: string) => Buffer.from(s, 'utf8');

describe('unpadded base64', () => {
  // appendices "Unpadded Base64" examples
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'Zg'],
    ['fo', 'Zm8'],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg'],
    ['fooba', 'Zm9vYmE'],
    ['foobar', 'Zm9vYmFy'],
  ];
  test.each(vectors)('encodes %j as %j and back', (plain, encoded) => {
    expect(encodeBase64(text(plain))).toBe(encoded);
    expect(decodeBase64(encoded).toString('utf8')).toBe(plain);
  });

  test('decodes padded input too', () => {
    expect(decodeBase64('Zg==').toString()).toBe('f');
    expect(decodeBase64('Zm8=').toString()).toBe('fo');
    expect(decodeBase64Url('Zm9vYg==').toString()).toBe('foob');
  });

  test('encodes Uint8Array views, not only Buffers', () => {
    const backing = new Uint8Array([0, 0xfb, 0xff, 0xfe, 0]);
    expect(encodeBase64(backing.subarray(1, 4))).toBe('+//+');
    expect(encodeBase64Url(backing.subarray(1, 4))).toBe('-__-');
  });

  test('URL-safe alphabet uses - and _ and no padding', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0xfe]);
    expect(encodeBase64(bytes)).toBe('+/+//g');
    expect(encodeBase64Url(bytes)).toBe('-_-__g');
    expect(decodeBase64Url('-_-__g').equals(bytes)).toBe(true);
    expect(decodeBase64('+/+//g').equals(bytes)).toBe(true);
  });

  test.each(['Zm9v!', 'Zm 9v', 'Z', 'Zm9vY', 'Zg=', 'Zg===', '=Zg=', 'Z=g=', 'é', 'Zm9v\n'])(
    'rejects malformed standard base64 %j',
    (bad) => {
      expect(() => decodeBase64(bad)).toThrow(InvalidBase64Error);
      expect(isValidBase64(bad)).toBe(false);
    },
  );

  test('each alphabet rejects the other one', () => {
    expect(() => decodeBase64('-_-__g')).toThrow(InvalidBase64Error);
    expect(() => decodeBase64Url('+/+//g')).toThrow(InvalidBase64Error);
    expect(isValidBase64Url('-_')).toBe(true);
    expect(isValidBase64Url('+/')).toBe(false);
  });

  test('round-trips random data of every length mod 3', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n * 11) & 0xff));
      expect(decodeBase64(encodeBase64(bytes)).equals(bytes)).toBe(true);
      expect(decodeBase64Url(encodeBase64Url(bytes)).equals(bytes)).toBe(true);
      expect(encodeBase64(bytes)).not.toContain('=');
    }
  });
});
