import { signingKeyFromSeed } from '../src/crypto/signing-key.js';
import { verifyJsonSignature } from '../src/crypto/sign-json.js';
import { decodeBase64 } from '../src/encoding/base64.js';
import { computeContentHash, computeReferenceHash, verifyContentHash } from '../src/events/event-hashes.js';
import { hashAndSignEvent, signEvent } from '../src/events/event-signing.js';
import { redactPdu } from '../src/events/redaction.js';
import type { PDU } from '../src/events/pdu.js';
import { SAMPLE_MESSAGE_PDU } from './fixtures/sample-message-pdu.js';
import { getRoomVersion, type RoomVersion } from '../src/room-versions.js';

const rv = (id: string): RoomVersion => getRoomVersion(id)!;
const SPEC_KEY = signingKeyFromSeed(decodeBase64('YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1'), '1');

// appendices "Event Signing" vectors (old-style events: redaction as in room versions 1–10).
const MINIMAL = {
  room_id: '!x:domain',
  sender: '@a:domain',
  origin: 'domain',
  origin_server_ts: 1000000,
  signatures: {},
  hashes: {},
  type: 'X',
  content: {},
  prev_events: [],
  auth_events: [],
  depth: 3,
  unsigned: { age_ts: 1000000 },
} as unknown as PDU;

const REDACTABLE = {
  content: { body: 'Here is the message content' },
  event_id: '$0:domain',
  origin: 'domain',
  origin_server_ts: 1000000,
  type: 'm.room.message',
  room_id: '!r:domain',
  sender: '@u:domain',
  signatures: {},
  unsigned: { age_ts: 1000000 },
} as unknown as PDU;

describe('hashAndSignEvent: appendices test vectors', () => {
  test.each(['1', '2', '3', '10'])('minimal event (room version %s)', (id) => {
    const signed = hashAndSignEvent(MINIMAL, 'domain', SPEC_KEY, rv(id));
    expect(signed).toEqual({
      auth_events: [],
      content: {},
      depth: 3,
      hashes: { sha256: '5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos' },
      origin: 'domain',
      origin_server_ts: 1000000,
      prev_events: [],
      room_id: '!x:domain',
      sender: '@a:domain',
      signatures: {
        domain: {
          'ed25519:1': 'KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg',
        },
      },
      type: 'X',
      unsigned: { age_ts: 1000000 },
    });
  });

  test('event with redactable content', () => {
    const signed = hashAndSignEvent(REDACTABLE, 'domain', SPEC_KEY, rv('1'));
    expect(signed.hashes).toEqual({ sha256: 'onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g' });
    expect(signed.signatures).toEqual({
      domain: {
        'ed25519:1': 'Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA',
      },
    });
    expect(signed.content).toEqual(REDACTABLE.content);
    expect(signed.unsigned).toEqual(REDACTABLE.unsigned);
  });

  test('does not modify its input', () => {
    const before = JSON.stringify(REDACTABLE);
    hashAndSignEvent(REDACTABLE, 'domain', SPEC_KEY, rv('1'));
    expect(JSON.stringify(REDACTABLE)).toBe(before);
  });

  test('the signature covers the redacted event, so it survives redaction', () => {
    const signed = hashAndSignEvent(REDACTABLE, 'domain', SPEC_KEY, rv('1'));
    const redacted = redactPdu(signed, rv('1'));
    expect(verifyJsonSignature(redacted, 'domain', 'ed25519:1', SPEC_KEY.publicKey)).toBe(true);
    expect(verifyContentHash(signed)).toBe(true);
    expect(verifyContentHash(redacted)).toBe(false);
  });
});

describe('signEvent', () => {
  test('adds a second server signature and keeps the first', () => {
    const other = signingKeyFromSeed(Buffer.alloc(32, 7), 'k');
    const once = hashAndSignEvent(REDACTABLE, 'domain', SPEC_KEY, rv('1'));
    const twice = signEvent(once, 'resident.example', other, rv('1'));
    expect(Object.keys(twice.signatures).sort()).toEqual(['domain', 'resident.example']);
    expect(twice.hashes).toEqual(once.hashes);
    const redacted = redactPdu(twice, rv('1'));
    expect(verifyJsonSignature(redacted, 'domain', 'ed25519:1', SPEC_KEY.publicKey)).toBe(true);
    expect(verifyJsonSignature(redacted, 'resident.example', 'ed25519:k', other.publicKey)).toBe(true);
  });

  test('v6+ refuses to sign floats (strict canonical JSON)', () => {
    const withFloat = { ...MINIMAL, content: { x: 1.5 } } as PDU;
    expect(() => hashAndSignEvent(withFloat, 'domain', SPEC_KEY, rv('6'))).toThrow();
    expect(() => hashAndSignEvent(withFloat, 'domain', SPEC_KEY, rv('5'))).not.toThrow();
  });
});

describe('content and reference hashes', () => {
  // Expected values computed independently with Python's json.dumps(sort_keys=True,
  // separators=(',',':'), ensure_ascii=False) and hashlib.
  const message = SAMPLE_MESSAGE_PDU;

  test('content hash ignores unsigned, signatures and hashes', () => {
    expect(computeContentHash(message)).toBe('qjrUy72eB1rCVSVGBdNU1a19KIaeqWbo9ukNWI/LSS8');
    expect(computeContentHash({ ...message, unsigned: { age: 9 }, signatures: {}, hashes: { sha256: 'x' } })).toBe(
      'qjrUy72eB1rCVSVGBdNU1a19KIaeqWbo9ukNWI/LSS8',
    );
    expect(computeContentHash({ ...message, depth: 8 })).not.toBe('qjrUy72eB1rCVSVGBdNU1a19KIaeqWbo9ukNWI/LSS8');
  });

  test('verifyContentHash accepts padded hashes and rejects malformed ones', () => {
    expect(verifyContentHash({ ...message, hashes: { sha256: 'qjrUy72eB1rCVSVGBdNU1a19KIaeqWbo9ukNWI/LSS8=' } })).toBe(true);
    expect(verifyContentHash({ ...message, hashes: { sha256: 'qjrUy72eB1rCVSVGBdNU1a19KIaeqWbo9ukNWI/LST8' } })).toBe(false);
    expect(verifyContentHash({ ...message, hashes: { sha256: '!!' } })).toBe(false);
    expect(verifyContentHash({ ...message, hashes: {} as PDU['hashes'] })).toBe(false);
  });

  test('legacy numbers hash in room versions 1–5 and are refused from v6', () => {
    const legacy = { ...message, content: { n: 1.5 } };
    expect(computeContentHash(legacy)).toEqual(expect.any(String));
    expect(computeContentHash(legacy, rv('5'))).toBe(computeContentHash(legacy));
    expect(() => computeContentHash(legacy, rv('6'))).toThrow();
  });

  test('reference hash covers the redacted event only', () => {
    const ref = computeReferenceHash(message, rv('4'));
    expect(ref.toString('base64url')).toBe('AsTokvV27bFAwOVGZ9vzVXcxtEpIJ7nu_QJOPGpWq90');
    const edited = { ...message, content: { body: 'other' }, unsigned: {}, signatures: {} };
    expect(computeReferenceHash(edited, rv('4')).equals(ref)).toBe(true);
    expect(computeReferenceHash({ ...message, hashes: { sha256: 'other' } }, rv('4')).equals(ref)).toBe(false);
    // origin is not protected in v11: the hash changes because the key is dropped.
    expect(computeReferenceHash(message, rv('11')).equals(ref)).toBe(false);
  });
});
