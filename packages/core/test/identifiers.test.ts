import { isValidServerName, parseServerName, serverNameOf } from '../src/identifiers/server-name.js';
import { isValidUserId, isValidUserLocalpart, parseUserId } from '../src/identifiers/user-id.js';
import { isValidRoomAlias, parseRoomAlias } from '../src/identifiers/room-alias.js';
import { isValidRoomId, parseRoomId } from '../src/identifiers/room-id.js';
import { isValidEventId, parseEventId } from '../src/identifiers/event-id.js';
import { getRoomVersion, type RoomVersion } from '../src/room-versions.js';

const rv = (id: string): RoomVersion => getRoomVersion(id)!;
const HASH_URLSAFE = 'i8rSQkRacCkuKfbfih51Xide7304otbHjkgOGcn3Mc0';
const HASH_STANDARD = 'AsTokvV27bFAwOVGZ9vzVXcxtEpIJ7nu/QJOPGpWq90';
const HASH_URLSAFE_ONLY = 'AsTokvV27bFAwOVGZ9vzVXcxtEpIJ7nu_QJOPGpWq90';

describe('server names', () => {
  test.each([
    ['matrix.org', { host: 'matrix.org', kind: 'dns', port: undefined }],
    ['matrix.org:8888', { host: 'matrix.org', kind: 'dns', port: 8888 }],
    ['1.2.3.4', { host: '1.2.3.4', kind: 'ipv4', port: undefined }],
    ['1.2.3.4:1234', { host: '1.2.3.4', kind: 'ipv4', port: 1234 }],
    ['[1234:5678::abcd]', { host: '[1234:5678::abcd]', kind: 'ipv6', port: undefined }],
    ['[1234:5678::abcd]:5678', { host: '[1234:5678::abcd]', kind: 'ipv6', port: 5678 }],
    ['[::1]', { host: '[::1]', kind: 'ipv6', port: undefined }],
    ['[::ffff:1.2.3.4]:80', { host: '[::ffff:1.2.3.4]', kind: 'ipv6', port: 80 }],
    ['localhost', { host: 'localhost', kind: 'dns', port: undefined }],
    ['MATRIX.org', { host: 'MATRIX.org', kind: 'dns', port: undefined }],
    ['a-b.c-d.example.', { host: 'a-b.c-d.example.', kind: 'dns', port: undefined }],
    ['1.2.3.256', { host: '1.2.3.256', kind: 'dns', port: undefined }],
    ['example.org:65535', { host: 'example.org', kind: 'dns', port: 65535 }],
  ])('parses %s', (name, expected) => {
    expect(parseServerName(name)).toEqual(expected);
  });

  test.each([
    '', ':80', 'example.org:', 'example.org:65536', 'example.org:123456', 'example.org:8a', 'exa mple.org',
    'exa_mple.org', 'example..org', '.example.org', 'example.org/path', 'ex@mple.org', '[1234:5678::abcd',
    '1234:5678::abcd', '[12345::zz]', '[::1%eth0]', '[]', 'é.example', 'a'.repeat(256),
  ])('rejects %j', (name) => {
    expect(isValidServerName(name)).toBe(false);
  });

  test('allows a 255-character hostname', () => {
    const host = ('a'.repeat(63) + '.').repeat(3) + 'a'.repeat(63);
    expect(host.length).toBe(255);
    expect(isValidServerName(host)).toBe(true);
    expect(isValidServerName(host + ':80')).toBe(true);
  });

  test('serverNameOf takes everything after the first colon', () => {
    expect(serverNameOf('@u:example.org:8448')).toBe('example.org:8448');
    expect(serverNameOf('$ev:[::1]:80')).toBe('[::1]:80');
    expect(serverNameOf('$nohash')).toBeUndefined();
  });
});

describe('user ids', () => {
  test('strict localpart grammar', () => {
    expect(isValidUserLocalpart('alice.b_c=d-e/f+g0')).toBe(true);
    for (const bad of ['', 'Alice', 'al ice', 'al:ice', 'al#ice', 'é', 'a*b']) expect(isValidUserLocalpart(bad)).toBe(false);
  });

  test('parses compliant ids', () => {
    expect(parseUserId('@alice:example.org')).toEqual({ localpart: 'alice', domain: 'example.org', compliant: true });
    expect(parseUserId('@a/b+c=d:[::1]:8448', { strict: true })).toEqual({ localpart: 'a/b+c=d', domain: '[::1]:8448', compliant: true });
  });

  test('accepts historical localparts over federation, flagged non-compliant', () => {
    expect(parseUserId('@Alice:example.org')).toEqual({ localpart: 'Alice', domain: 'example.org', compliant: true });
    expect(parseUserId('@Alice:example.org', { strict: true })).toBeUndefined();
    expect(parseUserId('@:example.org')?.compliant).toBe(false);
    expect(parseUserId('@al ice:example.org')?.compliant).toBe(false);
    expect(parseUserId('@ünïcode:example.org')?.compliant).toBe(false);
    expect(parseUserId('@tab\there:example.org')?.compliant).toBe(false);
  });

  test.each(['alice:example.org', '@alice', '@alice:', '@alice:bad_host', '@a\u0000b:example.org', '@a\ud800:example.org', '#a:example.org'])(
    'rejects %j',
    (id) => {
      expect(isValidUserId(id)).toBe(false);
    },
  );

  test('limits the id to 255 bytes of UTF-8', () => {
    const domain = 'example.org';
    const max = '@' + 'a'.repeat(255 - 1 - 1 - domain.length) + ':' + domain;
    expect(max.length).toBe(255);
    expect(isValidUserId(max, { strict: true })).toBe(true);
    expect(isValidUserId('@a' + max.slice(1))).toBe(false);
    // 2-byte characters count twice.
    const multibyte = '@' + 'é'.repeat(125) + ':' + domain;
    expect(multibyte.length).toBeLessThan(255);
    expect(isValidUserId(multibyte)).toBe(false);
  });
});

describe('room ids', () => {
  test('legacy form with a domain', () => {
    expect(parseRoomId('!abc:example.org')).toEqual({ opaqueId: 'abc', domain: 'example.org' });
    expect(parseRoomId('!abc:example.org', rv('11'))).toEqual({ opaqueId: 'abc', domain: 'example.org' });
    expect(parseRoomId('!abc:example.org', rv('12'))).toBeUndefined();
  });

  test('v12 form is ! + 43 URL-safe base64 characters', () => {
    expect(parseRoomId('!' + HASH_URLSAFE, rv('12'))).toEqual({ opaqueId: HASH_URLSAFE, domain: undefined });
    expect(parseRoomId('!' + HASH_URLSAFE)).toEqual({ opaqueId: HASH_URLSAFE, domain: undefined });
    expect(parseRoomId('!' + HASH_URLSAFE, rv('11'))).toBeUndefined();
    expect(isValidRoomId('!' + HASH_STANDARD, rv('12'))).toBe(false);
    expect(isValidRoomId('!' + HASH_URLSAFE.slice(1), rv('12'))).toBe(false);
  });

  test.each(['abc:example.org', '!', '!:example.org', '!abc', '!a:b:c_d', '!a\u0000:example.org', '$abc:example.org'])('rejects %j', (id) => {
    expect(isValidRoomId(id)).toBe(false);
  });

  test('limits the id to 255 bytes', () => {
    expect(isValidRoomId('!' + 'a'.repeat(242) + ':example.org')).toBe(true);
    expect(isValidRoomId('!' + 'a'.repeat(243) + ':example.org')).toBe(false);
  });
});

describe('room aliases', () => {
  test('parses', () => {
    expect(parseRoomAlias('#room:example.org')).toEqual({ localpart: 'room', domain: 'example.org' });
    expect(parseRoomAlias('#Räum with spaces:example.org:8448')).toEqual({ localpart: 'Räum with spaces', domain: 'example.org:8448' });
  });

  test.each(['room:example.org', '#room', '#room:', '#a\u0000b:example.org', '#a\udc00:example.org', '!room:example.org'])('rejects %j', (alias) => {
    expect(isValidRoomAlias(alias)).toBe(false);
  });

  test('limits the alias to 255 bytes', () => {
    expect(isValidRoomAlias('#' + 'a'.repeat(242) + ':example.org')).toBe(true);
    expect(isValidRoomAlias('#' + 'a'.repeat(243) + ':example.org')).toBe(false);
  });
});

describe('event ids', () => {
  test('v1 format', () => {
    expect(parseEventId('$abc:example.org', rv('1'))).toEqual({ opaqueId: 'abc', domain: 'example.org', format: 'v1' });
    expect(parseEventId('$' + HASH_URLSAFE, rv('1'))).toBeUndefined();
  });

  test('v3 format: standard base64', () => {
    expect(parseEventId('$' + HASH_STANDARD, rv('3'))).toEqual({ opaqueId: HASH_STANDARD, domain: undefined, format: 'v3' });
    expect(parseEventId('$' + HASH_URLSAFE_ONLY, rv('3'))).toBeUndefined();
    expect(parseEventId('$abc:example.org', rv('3'))).toBeUndefined();
  });

  test('v4+ format: URL-safe base64', () => {
    expect(parseEventId('$' + HASH_URLSAFE_ONLY, rv('4'))?.format).toBe('v4');
    expect(parseEventId('$' + HASH_STANDARD, rv('10'))).toBeUndefined();
  });

  test('without a room version any format is accepted', () => {
    expect(parseEventId('$abc:example.org')?.format).toBe('v1');
    expect(parseEventId('$' + HASH_STANDARD)?.format).toBe('v3');
    expect(parseEventId('$' + HASH_URLSAFE_ONLY)?.format).toBe('v4');
  });

  test.each(['abc:example.org', '$', '$abc', '$:example.org', '$' + HASH_URLSAFE + 'A', '$a\u0000:example.org'])('rejects %j', (id) => {
    expect(isValidEventId(id)).toBe(false);
  });
});
