import nacl from 'tweetnacl';
import { canonicalJson, decodeBase64, generateSigningKey } from '@lattice/core';
import {
  formatXMatrixHeader,
  parseXMatrixHeader,
  requestSigningPayload,
  signRequest,
  XMatrixHeaderError,
} from '../src/index.js';

describe('parseXMatrixHeader', () => {
  it('reads the header as the spec example writes it', () => {
    expect(
      parseXMatrixHeader('X-Matrix origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF..."'),
    ).toEqual({ origin: 'origin.hs.example.com', destination: 'destination.hs.example.com', key: 'ed25519:key1', sig: 'ABCDEF...' });
  });

  it('accepts any case for the scheme and names, spaces and tabs around commas, any order', () => {
    const auth = parseXMatrixHeader('x-matrix   SIG="s" ,\tKey="ed25519:k1" , Origin="a.example:8448" ,destination="b.example"');
    expect(auth).toEqual({ origin: 'a.example:8448', destination: 'b.example', key: 'ed25519:k1', sig: 's' });
  });

  it('accepts token values without quotes, including colons (older servers)', () => {
    expect(parseXMatrixHeader('X-Matrix origin=a.example:8448,key=ed25519:abc,sig=AbC+/x')).toEqual({
      origin: 'a.example:8448',
      destination: undefined,
      key: 'ed25519:abc',
      sig: 'AbC+/x',
    });
  });

  it('unescapes backslash pairs in quoted values and ignores unknown parameters', () => {
    const auth = parseXMatrixHeader('X-Matrix origin="a\\.ex\\"ample",future="x, y=\\"z\\"",key="ed25519:k",sig="s"');
    expect(auth.origin).toBe('a.ex"ample');
  });

  it.each([
    ['Bearer abc'],
    ['X-Matrixorigin="a",key="k",sig="s"'],
    ['X-Matrix origin="a",key="k"'],
    ['X-Matrix origin="a",key="k",sig="s'],
    ['X-Matrix origin="a" key="k",sig="s"'],
    ['X-Matrix origin=,key="k",sig="s"'],
    ['X-Matrix origin="a",origin="b",key="k",sig="s"'],
    ['X-Matrix origin="a",key="k",sig="s",'],
    ['X-Matrix origin="a",key="k",sig="s\\'],
  ])('refuses %s', (header) => {
    expect(() => parseXMatrixHeader(header)).toThrow(XMatrixHeaderError);
  });

  it('round-trips what formatXMatrixHeader writes, even with characters that need escaping', () => {
    const auth = { origin: 'a.example', destination: 'we"ird\\', key: 'ed25519:k', sig: 'c2ln' };
    const header = formatXMatrixHeader(auth);
    expect(header).toBe('X-Matrix origin="a.example",destination="we\\"ird\\\\",key="ed25519:k",sig="c2ln"');
    expect(parseXMatrixHeader(header)).toEqual(auth);
  });
});

describe('signRequest', () => {
  const key = generateSigningKey('k1');
  const fields = {
    method: 'PUT',
    uri: '/_matrix/federation/v1/send/txn1?x=%20y',
    origin: 'origin.example',
    destination: 'dest.example:8448',
    content: { pdus: [], edus: [{ edu_type: 'm.typing', content: { room_id: '!r:origin.example', typing: true } }] },
  };

  it('signs the JSON of method, uri, origin, destination and content (checked with tweetnacl)', () => {
    const auth = parseXMatrixHeader(signRequest(fields, key));
    expect(auth).toMatchObject({ origin: 'origin.example', destination: 'dest.example:8448', key: 'ed25519:k1' });
    const signed = canonicalJson({
      method: 'PUT',
      uri: '/_matrix/federation/v1/send/txn1?x=%20y',
      origin: 'origin.example',
      destination: 'dest.example:8448',
      content: fields.content,
    });
    expect(requestSigningPayload(fields)).toBe(signed);
    expect(nacl.sign.detached.verify(Buffer.from(signed), decodeBase64(auth.sig), key.publicKey)).toBe(true);
  });

  it('leaves content out when there is no body, and the signature covers every field', () => {
    const { content: _content, ...noBody } = fields;
    const auth = parseXMatrixHeader(signRequest({ ...noBody, method: 'GET' }, key));
    const payload = requestSigningPayload({ ...noBody, method: 'GET' });
    expect(payload).not.toContain('content');
    expect(nacl.sign.detached.verify(Buffer.from(payload), decodeBase64(auth.sig), key.publicKey)).toBe(true);
    for (const changed of [{ method: 'POST' }, { uri: '/other' }, { destination: 'evil.example' }, { origin: 'x.example' }]) {
      const other = requestSigningPayload({ ...noBody, method: 'GET', ...changed });
      expect(nacl.sign.detached.verify(Buffer.from(other), decodeBase64(auth.sig), key.publicKey)).toBe(false);
    }
  });
});
