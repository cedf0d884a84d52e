import { redactPdu } from '../src/events/redaction.js';
import type { PDU } from '../src/events/pdu.js';
import { getRoomVersion, ROOM_VERSIONS, type RoomVersion } from '../src/room-versions.js';

const rv = (id: string): RoomVersion => getRoomVersion(id)!;

function event(type: string, content: Record<string, unknown>, extra: Record<string, unknown> = {}): PDU {
  return {
    event_id: '$e:example.org',
    type,
    room_id: '!r:example.org',
    sender: '@u:example.org',
    state_key: '',
    content,
    hashes: { sha256: 'h' },
    signatures: { 'example.org': { 'ed25519:1': 's' } },
    depth: 3,
    prev_events: [],
    prev_state: [],
    auth_events: [],
    origin: 'example.org',
    origin_server_ts: 1,
    membership: 'join',
    unsigned: { age: 1 },
    redacts: '$x:example.org',
    custom: 'dropped',
    ...extra,
  } as PDU;
}

const ALL_TOP_LEVEL = [
  'auth_events', 'content', 'depth', 'event_id', 'hashes', 'membership', 'origin', 'origin_server_ts',
  'prev_events', 'prev_state', 'room_id', 'sender', 'signatures', 'state_key', 'type',
];
const V11_TOP_LEVEL = ALL_TOP_LEVEL.filter((k) => !['membership', 'origin', 'prev_state'].includes(k));

describe('redactPdu: top-level keys', () => {
  test.each([...ROOM_VERSIONS.keys()])('room version %s', (id) => {
    const redacted = redactPdu(event('m.room.message', { body: 'x' }), rv(id));
    const expected = Number(id) >= 11 ? V11_TOP_LEVEL : ALL_TOP_LEVEL;
    expect(Object.keys(redacted).sort()).toEqual(expected);
    expect(redacted.content).toEqual({});
  });

  test('drops unsigned, redacts and unknown keys; copies values unchanged', () => {
    const pdu = event('m.room.message', { body: 'x' });
    const redacted = redactPdu(pdu, rv('10'));
    expect(redacted).not.toHaveProperty('unsigned');
    expect(redacted).not.toHaveProperty('redacts');
    expect(redacted).not.toHaveProperty('custom');
    expect(redacted.signatures).toEqual(pdu.signatures);
  });

  test('does not add keys that are absent, except content', () => {
    const minimal = { type: 'm.room.message', sender: '@u:x' } as unknown as PDU;
    expect(redactPdu(minimal, rv('1'))).toEqual({ type: 'm.room.message', sender: '@u:x', content: {} });
  });

  test('does not modify the input', () => {
    const pdu = event('m.room.power_levels', { ban: 50, foo: 1 });
    const before = JSON.stringify(pdu);
    redactPdu(pdu, rv('11'));
    expect(JSON.stringify(pdu)).toBe(before);
  });

  test('non-object content becomes {}', () => {
    expect(redactPdu(event('m.room.member', 'x' as unknown as Record<string, unknown>), rv('1')).content).toEqual({});
  });
});

describe('redactPdu: content keys per event type and version', () => {
  const member = {
    membership: 'join',
    join_authorised_via_users_server: '@a:b',
    displayname: 'x',
    third_party_invite: { signed: { mxid: '@u:x', token: 't', signatures: {} }, display_name: 'y' },
  };
  const create = { creator: '@u:x', room_version: '1', 'm.federate': false, predecessor: { room_id: '!p:x' } };
  const joinRules = { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: '!a:b' }], other: 1 };
  const powerLevels = {
    ban: 50, events: { a: 1 }, events_default: 0, kick: 50, redact: 50, state_default: 50,
    users: { '@u:x': 100 }, users_default: 0, invite: 0, notifications: { room: 50 }, other: 1,
  };
  const plV1 = ['ban', 'events', 'events_default', 'kick', 'redact', 'state_default', 'users', 'users_default'];

  // [type, content, versions, kept content keys]
  const cases: [string, Record<string, unknown>, string[], unknown][] = [
    ['m.room.member', member, ['1', '2', '3', '4', '5', '6', '7', '8'], { membership: 'join' }],
    ['m.room.member', member, ['9', '10'], { membership: 'join', join_authorised_via_users_server: '@a:b' }],
    [
      'm.room.member',
      member,
      ['11', '12'],
      {
        membership: 'join',
        join_authorised_via_users_server: '@a:b',
        third_party_invite: { signed: { mxid: '@u:x', token: 't', signatures: {} } },
      },
    ],
    ['m.room.create', create, ['1', '5', '6', '9', '10'], { creator: '@u:x' }],
    ['m.room.create', create, ['11', '12'], create],
    ['m.room.join_rules', joinRules, ['1', '6', '7'], { join_rule: 'restricted' }],
    ['m.room.join_rules', joinRules, ['8', '9', '10', '11', '12'], { join_rule: 'restricted', allow: joinRules.allow }],
    ['m.room.power_levels', powerLevels, ['1', '6', '10'], Object.fromEntries(plV1.map((k) => [k, powerLevels[k as keyof typeof powerLevels]]))],
    [
      'm.room.power_levels',
      powerLevels,
      ['11', '12'],
      Object.fromEntries([...plV1, 'invite'].map((k) => [k, powerLevels[k as keyof typeof powerLevels]])),
    ],
    ['m.room.aliases', { aliases: ['#a:b'], x: 1 }, ['1', '2', '3', '4', '5'], { aliases: ['#a:b'] }],
    ['m.room.aliases', { aliases: ['#a:b'], x: 1 }, ['6', '11'], {}],
    ['m.room.history_visibility', { history_visibility: 'shared', x: 1 }, ['1', '6', '11', '12'], { history_visibility: 'shared' }],
    ['m.room.redaction', { redacts: '$x', reason: 'spam' }, ['1', '6', '10'], {}],
    ['m.room.redaction', { redacts: '$x', reason: 'spam' }, ['11', '12'], { redacts: '$x' }],
    ['m.room.name', { name: 'n' }, ['1', '11'], {}],
    ['m.room.topic', { topic: 't' }, ['1', '12'], {}],
  ];

  for (const [type, content, versions, kept] of cases) {
    test.each(versions)(`${type} in v%s keeps ${JSON.stringify(Object.keys(kept as object))}`, (id) => {
      expect(redactPdu(event(type, content), rv(id)).content).toEqual(kept);
    });
  }

  test('v11 member: third_party_invite without signed is dropped entirely', () => {
    const c = { membership: 'invite', third_party_invite: { display_name: 'y' } };
    expect(redactPdu(event('m.room.member', c), rv('11')).content).toEqual({ membership: 'invite' });
  });

  test('only own keys of content count', () => {
    const content = Object.create({ membership: 'join' }) as Record<string, unknown>;
    expect(redactPdu(event('m.room.member', content), rv('1')).content).toEqual({});
  });

  test('an event type named like an Object.prototype member has no rule', () => {
    expect(redactPdu(event('constructor', { a: 1 }), rv('11')).content).toEqual({});
  });
});
