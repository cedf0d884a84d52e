import { generateSigningKey, type SigningKey } from '../src/crypto/signing-key.js';
import { hashAndSignEvent, signEvent } from '../src/events/event-signing.js';
import { requiredSigningServers, verifyPduSignatures, type KeyLookup, type VerifyKey } from '../src/events/pdu-signatures.js';
import { redactPdu } from '../src/events/redaction.js';
import type { PDU } from '../src/events/pdu.js';
import { getRoomVersion, type RoomVersion } from '../src/room-versions.js';

const rv = (id: string): RoomVersion => getRoomVersion(id)!;
const TS = 1_700_000_000_000;

const keys = new Map<string, SigningKey>([
  ['alice.example', generateSigningKey('a1')],
  ['bob.example', generateSigningKey('b1')],
  ['carol.example', generateSigningKey('c1')],
]);

/** Key store: every known key, valid until `validUntil` (default: far future). */
function lookup(validUntil = TS * 2, known = keys): KeyLookup {
  return (server, keyId) => {
    const key = known.get(server);
    return key !== undefined && key.keyId === keyId ? ({ publicKey: key.publicKey, validUntilTs: validUntil } as VerifyKey) : undefined;
  };
}

function pdu(roomVersion: RoomVersion, fields: Partial<PDU> = {}): PDU {
  return {
    type: 'm.room.message',
    room_id: '!room:alice.example',
    sender: '@alice:alice.example',
    origin_server_ts: TS,
    depth: 5,
    prev_events: [],
    auth_events: [],
    content: { body: 'hello', msgtype: 'm.text' },
    hashes: { sha256: '' },
    signatures: {},
    ...(roomVersion.eventIdFormat === 'v1' ? { event_id: '$1:alice.example' } : {}),
    ...fields,
  };
}

const sign = (p: PDU, server: string, v: RoomVersion) => hashAndSignEvent(p, server, keys.get(server)!, v);

describe('requiredSigningServers', () => {
  test('sender server only, from v3', () => {
    expect(requiredSigningServers(pdu(rv('3')), rv('3'))).toEqual(['alice.example']);
    expect(requiredSigningServers(pdu(rv('11'), { event_id: '$x:bob.example' }), rv('11'))).toEqual(['alice.example']);
  });

  test('v1–2 also require the event id server', () => {
    const p = pdu(rv('1'), { event_id: '$x:bob.example' });
    expect(requiredSigningServers(p, rv('1'))).toEqual(['alice.example', 'bob.example']);
    expect(requiredSigningServers(pdu(rv('2')), rv('2'))).toEqual(['alice.example']);
  });

  const restrictedJoin = (v: RoomVersion, membership = 'join') =>
    pdu(v, {
      type: 'm.room.member',
      state_key: '@alice:alice.example',
      content: { membership, join_authorised_via_users_server: '@bob:bob.example' },
    });

  test('v8+ restricted joins require the authorising server', () => {
    expect(requiredSigningServers(restrictedJoin(rv('8')), rv('8'))).toEqual(['alice.example', 'bob.example']);
    expect(requiredSigningServers(restrictedJoin(rv('12')), rv('12'))).toEqual(['alice.example', 'bob.example']);
    expect(requiredSigningServers(restrictedJoin(rv('7')), rv('7'))).toEqual(['alice.example']);
    expect(requiredSigningServers(restrictedJoin(rv('9'), 'leave'), rv('9'))).toEqual(['alice.example']);
  });

  test('third-party invites are exempt from the sender signature', () => {
    const invite = pdu(rv('10'), {
      type: 'm.room.member',
      state_key: '@carol:carol.example',
      content: { membership: 'invite', third_party_invite: { display_name: 'c', signed: {} } },
    });
    expect(requiredSigningServers(invite, rv('10'))).toEqual([]);
    const legacy = { ...invite, event_id: '$i:bob.example' };
    expect(requiredSigningServers(legacy, rv('1'))).toEqual(['bob.example']);
    const plainInvite = { ...invite, content: { membership: 'invite' } };
    expect(requiredSigningServers(plainInvite, rv('10'))).toEqual(['alice.example']);
  });
});

describe('verifyPduSignatures', () => {
  test.each(['1', '3', '4', '6', '10', '11', '12'])('accepts a correctly signed event (v%s)', async (id) => {
    const v = rv(id);
    const extra = v.roomIdFromCreateEvent ? { room_id: '!i8rSQkRacCkuKfbfih51Xide7304otbHjkgOGcn3Mc0' } : {};
    const signed = sign(pdu(v, extra), 'alice.example', v);
    await expect(verifyPduSignatures(signed, v, lookup())).resolves.toEqual({ ok: true });
  });

  test('a redacted copy still verifies; tampered essential fields do not', async () => {
    const v = rv('10');
    const signed = sign(pdu(v), 'alice.example', v);
    await expect(verifyPduSignatures(redactPdu(signed, v), v, lookup())).resolves.toEqual({ ok: true });
    await expect(verifyPduSignatures({ ...signed, content: { body: 'changed' } }, v, lookup())).resolves.toEqual({ ok: true });
    const tampered = await verifyPduSignatures({ ...signed, depth: 6 }, v, lookup());
    expect(tampered.ok).toBe(false);
  });

  test('missing signature from a required server fails', async () => {
    const v = rv('1');
    const signed = sign(pdu(v, { event_id: '$x:bob.example' }), 'alice.example', v);
    const res = await verifyPduSignatures(signed, v, lookup());
    expect(res).toMatchObject({ ok: false, server: 'bob.example' });
    const both = signEvent(signed, 'bob.example', keys.get('bob.example')!, v);
    await expect(verifyPduSignatures(both, v, lookup())).resolves.toEqual({ ok: true });
  });

  test('restricted join needs the authorising server signature (v9)', async () => {
    const v = rv('9');
    const join = pdu(v, {
      type: 'm.room.member',
      state_key: '@alice:alice.example',
      content: { membership: 'join', join_authorised_via_users_server: '@bob:bob.example' },
    });
    const bySender = sign(join, 'alice.example', v);
    expect((await verifyPduSignatures(bySender, v, lookup())).ok).toBe(false);
    const byBoth = signEvent(bySender, 'bob.example', keys.get('bob.example')!, v);
    await expect(verifyPduSignatures(byBoth, v, lookup())).resolves.toEqual({ ok: true });
  });

  test('unknown keys are skipped, but one known valid key is required', async () => {
    const v = rv('10');
    const signed = sign(pdu(v), 'alice.example', v);
    const withUnknown = {
      ...signed,
      signatures: { 'alice.example': { ...signed.signatures['alice.example'], 'ed25519:old': 'AAAA', 'other:x': 'y' } },
    };
    await expect(verifyPduSignatures(withUnknown, v, lookup())).resolves.toEqual({ ok: true });
    expect((await verifyPduSignatures(signed, v, lookup(TS * 2, new Map()))).ok).toBe(false);
  });

  test('a known key with a bad signature fails even if another verifies', async () => {
    const v = rv('10');
    const signed = sign(pdu(v), 'alice.example', v);
    const second = generateSigningKey('a2');
    const known = new Map(keys);
    const lookupBoth: KeyLookup = (server, keyId, ts) =>
      server === 'alice.example' && keyId === 'ed25519:a2' ? { publicKey: second.publicKeyBase64, validUntilTs: TS * 2 } : lookup(TS * 2, known)(server, keyId, ts);
    const forged = { ...signed, signatures: { 'alice.example': { ...signed.signatures['alice.example'], 'ed25519:a2': signed.signatures['alice.example']!['ed25519:a1']! } } };
    expect((await verifyPduSignatures(forged, v, lookupBoth)).ok).toBe(false);
  });

  test('key validity is enforced from room version 5', async () => {
    for (const [id, expectOk] of [['4', true], ['5', false], ['12', false]] as const) {
      const v = rv(id);
      const extra = v.roomIdFromCreateEvent ? { room_id: '!i8rSQkRacCkuKfbfih51Xide7304otbHjkgOGcn3Mc0' } : {};
      const signed = sign(pdu(v, extra), 'alice.example', v);
      expect((await verifyPduSignatures(signed, v, lookup(TS - 1))).ok).toBe(expectOk);
      expect((await verifyPduSignatures(signed, v, lookup(TS))).ok).toBe(true);
    }
  });

  test('passes the event timestamp to the lookup and supports async lookups', async () => {
    const v = rv('10');
    const signed = sign(pdu(v), 'alice.example', v);
    const calls: [string, string, number][] = [];
    const asyncLookup: KeyLookup = async (server, keyId, atTs) => {
      calls.push([server, keyId, atTs]);
      return lookup()(server, keyId, atTs);
    };
    await expect(verifyPduSignatures(signed, v, asyncLookup)).resolves.toEqual({ ok: true });
    expect(calls).toEqual([['alice.example', 'ed25519:a1', TS]]);
  });
});
