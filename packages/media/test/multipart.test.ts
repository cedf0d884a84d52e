import { boundaryOf, parseMultipart } from '../src/remote/multipart.js';
import { dispositionFilename } from '../src/remote/content-disposition.js';

describe('multipart/mixed', () => {
  test('boundary from the content type, quoted or not; other types have none', () => {
    expect(boundaryOf('multipart/mixed; boundary=abc123')).toBe('abc123');
    expect(boundaryOf('Multipart/Mixed;boundary="a b:c"')).toBe('a b:c');
    expect(boundaryOf('multipart/form-data; boundary=x')).toBeUndefined();
    expect(boundaryOf('multipart/mixed')).toBeUndefined();
    expect(boundaryOf(undefined)).toBeUndefined();
  });

  test('two parts with headers; binary bodies kept byte for byte', () => {
    const bytes = Buffer.from([0, 13, 10, 45, 45, 255]);
    const body = Buffer.concat([
      Buffer.from('preamble\r\n--B\r\nContent-Type: application/json\r\n\r\n{}\r\n--B\r\nContent-Type: image/png\r\nX-A:  b \r\n\r\n'),
      bytes,
      Buffer.from('\r\n--B--\r\nepilogue'),
    ]);
    const parts = parseMultipart(body, 'B')!;
    expect(parts).toHaveLength(2);
    expect(parts[0]).toEqual({ headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') });
    expect(parts[1]!.headers).toEqual({ 'content-type': 'image/png', 'x-a': 'b' });
    expect(parts[1]!.body.equals(bytes)).toBe(true);
  });

  test('a part without headers, and an empty body', () => {
    const parts = parseMultipart(Buffer.from('--B\r\n\r\nno headers\r\n--B\r\nLocation: https://x/y\r\n\r\n\r\n--B--'), 'B')!;
    expect(parts.map((p) => [p.headers, p.body.toString()])).toEqual([
      [{}, 'no headers'],
      [{ location: 'https://x/y' }, ''],
    ]);
  });

  test('malformed bodies are refused', () => {
    expect(parseMultipart(Buffer.from('no delimiter at all'), 'B')).toBeUndefined();
    expect(parseMultipart(Buffer.from('--B\r\nContent-Type: a\r\n\r\nunterminated'), 'B')).toBeUndefined();
    expect(parseMultipart(Buffer.from('--B\r\nnot a header\r\n\r\nx\r\n--B--'), 'B')).toBeUndefined();
  });
});

describe('Content-Disposition filenames', () => {
  test('filename* (RFC 5987) wins; quoted and plain filename; none', () => {
    expect(dispositionFilename(`inline; filename="a.txt"; filename*=utf-8''%C3%A9t%C3%A9.txt`)).toBe('été.txt');
    expect(dispositionFilename('attachment; filename="say \\"hi\\".txt"')).toBe('say "hi".txt');
    expect(dispositionFilename('attachment; filename=plain.bin')).toBe('plain.bin');
    expect(dispositionFilename('inline')).toBeUndefined();
    expect(dispositionFilename(undefined)).toBeUndefined();
  });
});
