import { generateSigningKey } from '../src/crypto/signing-key.js';
import { checkParsedPdu, checkPdu, MAX_PDU_BYTES } from '../src/events/check-pdu.js';
import { computeEventId, roomIdFromCreateEvent } from '../src/events/event-id.js';
import { hashAndSignEvent } from '../src/events/event-signing.js';
import { pduFormatError } from '../src/events/pdu-format.js';
import type { KeyLookup } from '../src/events/pdu-signatures.js';
import type { PDU } from '../src/events/pdu.js';
import { getRoomVersion, type RoomVersion } from '../src/room-versions.js';

const rv = (id: string): RoomVersion => getRoomVersion(id)!;
const TS = 1_700_000_000_000;
const KEY = generateSigningKey('k1');
const lookup: KeyLookup = (server, keyId) =>
  server === 'origin.example' && keyId === KEY.keyId ? { publicKey: KEY.publicKey, validUntilTs: TS * 2 } : undefined;

const HASH_ID = '$AsTokvV27bFAwOVGZ9vzVXcxtEpIJ7nu_QJOPGpWq90';
const ROOM_V12 = '!i8rSQkRacCkuKfbfih51Xide7304otbHjkgOGcn3Mc0';

function unsignedPdu(v: RoomVersion, fields: Record<string, unknown> = {}): PDU {
  const ref = (id: string) => (v.eventIdFormat === 'v1' ? [`$${id}:origin.example`, { sha256: 'x' }] : v.eventIdFormat === 'v3' ? HASH_ID.replace('_', '/') : HASH_ID);
  return {
    type: 'm.room.message',
    room_id: v.roomIdFromCreateEvent ? ROOM_V12 : '!room:origin.example',
    sender: '@user:origin.example',
    origin_server_ts: TS,
    depth: 10,
    prev_events: [ref('p')],
    auth_events: [ref('a1'), ref('a2')],
    content: { msgtype: 'm.text', body: 'hello' },
    hashes: { sha256: '' },
    signatures: {},
    unsigned: { age: 100 },
    ...(v.eventIdFormat === 'v1' ? { event_id: '$ev:origin.example' } : {}),
    ...fields,
  } as PDU;
}

const signed = (v: RoomVersion, fields?: Record<string, unknown>) => hashAndSignEvent(unsignedPdu(v, fields), 'origin.example', KEY, v);

describe('checkPdu', () => {
  test.each(['1', '2', '3', '4', '5', '6', '9', '10', '11', '12'])('accepts a valid event in room version %s', async (id) => {
    const v = rv(id);
    const pdu = signed(v);
    const result = await checkPdu(JSON.stringify(pdu, null, 2), v, lookup);
    expect(result.outcome).toBe('accepted');
    if (result.outcome !== 'accepted') return;
    expect(result.event.event_id).toBe(computeEventId(pdu, v));
    expect(result.event.room_id).toBe(pdu.room_id);
    expect(result.event.content).toEqual(pdu.content);
    // Buffers work too.
    expect((await checkPdu(Buffer.from(JSON.stringify(pdu)), v, lookup)).outcome).toBe('accepted');
  });

  test('a content hash mismatch yields the redacted event, same event id', async () => {
    const v = rv('10');
    const pdu = signed(v);
    const modified = { ...pdu, content: { ...pdu.content, body: 'tampered' } };
    const result = await checkPdu(JSON.stringify(modified), v, lookup);
    expect(result.outcome).toBe('redacted');
    if (result.outcome !== 'redacted') return;
    expect(result.event.content).toEqual({});
    expect(result.event).not.toHaveProperty('unsigned');
    expect(result.event.event_id).toBe(computeEventId(pdu, v));
  });

  test('a bad signature drops the event', async () => {
    const v = rv('10');
    const pdu = signed(v);
    const result = await checkPdu(JSON.stringify({ ...pdu, depth: 11 }), v, lookup);
    expect(result).toMatchObject({ outcome: 'dropped' });
    const unknownServer = signed(v, { sender: '@x:elsewhere.example' });
    expect((await checkPdu(JSON.stringify(unknownServer), v, lookup)).outcome).toBe('dropped');
  });

  test('v12 create events get their room id from their own hash', async () => {
    const v = rv('12');
    const create = hashAndSignEvent(
      {
        type: 'm.room.create',
        state_key: '',
        sender: '@user:origin.example',
        origin_server_ts: TS,
        depth: 1,
        prev_events: [],
        auth_events: [],
        content: { room_version: '12' },
        hashes: { sha256: '' },
        signatures: {},
      },
      'origin.example',
      KEY,
      v,
    );
    const result = await checkPdu(JSON.stringify(create), v, lookup);
    expect(result.outcome).toBe('accepted');
    if (result.outcome === 'accepted') expect(result.event.room_id).toBe(roomIdFromCreateEvent(create));
    const withRoomId = hashAndSignEvent({ ...create, room_id: ROOM_V12 }, 'origin.example', KEY, v);
    expect((await checkPdu(JSON.stringify(withRoomId), v, lookup)).outcome).toBe('dropped');
  });

  describe('JSON checks', () => {
    test('invalid JSON is dropped', async () => {
      expect(await checkPdu('{"type":', rv('10'), lookup)).toMatchObject({ outcome: 'dropped' });
      expect(await checkPdu(Buffer.from([0x7b, 0xff, 0x7d]), rv('10'), lookup)).toMatchObject({ outcome: 'dropped' });
    });

    test('duplicate keys are dropped', async () => {
      const raw = JSON.stringify(signed(rv('10'))).replace('{', '{"depth":1,');
      expect((await checkPdu(raw, rv('10'), lookup)).outcome).toBe('dropped');
    });

    test('floats are dropped from v6 on, accepted before', async () => {
      for (const [id, outcome] of [['5', 'accepted'], ['6', 'dropped'], ['12', 'dropped']] as const) {
        const v = rv(id);
        // Sign with an integer, then spell it as a float on the wire: same value, different syntax.
        const raw = JSON.stringify(signed(v, { content: { n: 1 } })).replace('"n":1', '"n":1.0');
        expect((await checkPdu(raw, v, lookup)).outcome).toBe(outcome);
      }
    });

    test('integers beyond 2^53 are dropped from v6 on', async () => {
      const raw = JSON.stringify(signed(rv('6'), { content: { n: 1 } })).replace('"n":1', '"n":9007199254740993');
      expect((await checkPdu(raw, rv('6'), lookup)).outcome).toBe('dropped');
    });
  });

  describe('size limit', () => {
    const withBody = (v: RoomVersion, size: number) => {
      const base = signed(v, { content: { body: '' } });
      const overhead = Buffer.byteLength(JSON.stringify(base)); // JSON.stringify of our objects is canonical-length
      return signed(v, { content: { body: 'x'.repeat(size - overhead) } });
    };

    test.each(['4', '10'])('v%s: 65536 bytes pass, 65537 are dropped', async (id) => {
      const v = rv(id);
      const exact = withBody(v, MAX_PDU_BYTES);
      expect(Buffer.byteLength(JSON.stringify(exact))).toBe(MAX_PDU_BYTES);
      expect((await checkPdu(JSON.stringify(exact), v, lookup)).outcome).toBe('accepted');
      const over = withBody(v, MAX_PDU_BYTES + 1);
      expect((await checkPdu(JSON.stringify(over), v, lookup))).toMatchObject({ outcome: 'dropped' });
    });

    test('whitespace in the raw input does not count', async () => {
      const v = rv('10');
      const pdu = withBody(v, MAX_PDU_BYTES - 100);
      const padded = JSON.stringify(pdu).replace('{', '{' + ' '.repeat(500));
      expect((await checkPdu(padded, v, lookup)).outcome).toBe('accepted');
    });
  });

  test('checkParsedPdu checks an already-parsed PDU', async () => {
    const v = rv('11');
    const pdu = signed(v);
    expect((await checkParsedPdu(JSON.parse(JSON.stringify(pdu)), v, lookup)).outcome).toBe('accepted');
    expect((await checkParsedPdu('nope', v, lookup)).outcome).toBe('dropped');
  });
});

describe('pduFormatError', () => {
  const v10 = rv('10');
  const valid = unsignedPdu(v10);

  test('a valid event has no error', () => {
    expect(pduFormatError(valid, v10)).toBeUndefined();
    expect(pduFormatError(unsignedPdu(rv('1')), rv('1'))).toBeUndefined();
    expect(pduFormatError(unsignedPdu(rv('3')), rv('3'))).toBeUndefined();
    expect(pduFormatError(unsignedPdu(rv('12')), rv('12'))).toBeUndefined();
  });

  test.each<[string, Record<string, unknown>]>([
    ['type missing', { type: undefined }],
    ['type too long', { type: 'x'.repeat(256) }],
    ['sender not a user id', { sender: 'user' }],
    ['state_key not a string', { state_key: 5 }],
    ['state_key too long', { state_key: 'é'.repeat(128) }],
    ['content not an object', { content: [] }],
    ['origin_server_ts not an integer', { origin_server_ts: 1.5 }],
    ['depth negative', { depth: -1 }],
    ['hashes without sha256', { hashes: {} }],
    ['signatures malformed', { signatures: { 'a.example': { 'ed25519:1': 5 } } }],
    ['unsigned not an object', { unsigned: 'x' }],
    ['room_id missing', { room_id: undefined }],
    ['room_id malformed', { room_id: 'room' }],
    ['prev_events not an array', { prev_events: 'x' }],
    ['prev_events in v1 format', { prev_events: [['$a:b', { sha256: 'x' }]] }],
    ['auth_events id of the wrong format', { auth_events: ['$abc:origin.example'] }],
    ['too many auth_events', { auth_events: Array(11).fill(HASH_ID) }],
    ['too many prev_events', { prev_events: Array(21).fill(HASH_ID) }],
  ])('%s', (_name, fields) => {
    const pdu = { ...valid, ...fields } as Record<string, unknown>;
    for (const k of Object.keys(pdu)) if (pdu[k] === undefined) delete pdu[k];
    expect(pduFormatError(pdu, v10)).toEqual(expect.any(String));
  });

  test('v1–2 events need an event_id and [id, hashes] references', () => {
    const v1 = rv('1');
    const legacy = unsignedPdu(v1);
    expect(pduFormatError({ ...legacy, event_id: undefined }, v1)).toEqual(expect.any(String));
    expect(pduFormatError({ ...legacy, prev_events: [HASH_ID] }, v1)).toEqual(expect.any(String));
    expect(pduFormatError({ ...legacy, prev_events: [['$a:b']] }, v1)).toEqual(expect.any(String));
  });

  test('v12 events need a hash-form room id', () => {
    expect(pduFormatError({ ...unsignedPdu(rv('12')), room_id: '!room:origin.example' }, rv('12'))).toEqual(expect.any(String));
  });
});
