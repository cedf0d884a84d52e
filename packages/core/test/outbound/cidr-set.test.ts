import { DEFAULT_IP_RANGE_BLACKLIST } from '@lattice/core';
import { AddressPolicy } from '../../src/outbound/address-policy.js';
import { CidrSet, embeddedIpv4, parseCidr } from '../../src/outbound/cidr-set.js';
import { formatIp, parseIp } from '../../src/outbound/ip-address.js';

const ip = (text: string): bigint => {
  const v = parseIp(text);
  if (v === undefined) throw new Error(`test address ${text} did not parse`);
  return v;
};

describe('parseIp', () => {
  test.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['[::1]', '0:0:0:0:0:0:0:1'],
    ['fe80::1%eth0', 'fe80:0:0:0:0:0:0:1'],
    ['2001:db8::8:800:200c:417a', '2001:db8:0:0:8:800:200c:417a'],
  ])('%s parses to %s', (text, expected) => {
    // formatIp's compression is cosmetic; compare the integers.
    expect(parseIp(text)).toBe(parseIp(expected));
    expect(formatIp(ip(text))).toBe(formatIp(ip(expected)));
  });

  test.each(['example.org', '1.2.3', '256.0.0.1', '::g', ''])('%s is not an address', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('CidrSet', () => {
  test('IPv4 prefixes match only their range', () => {
    const set = new CidrSet(['10.0.0.0/8', '172.16.0.0/12', '192.168.1.7']);
    expect(set.has(ip('10.255.1.2'))).toBe(true);
    expect(set.has(ip('11.0.0.0'))).toBe(false);
    expect(set.has(ip('172.31.255.255'))).toBe(true);
    expect(set.has(ip('172.32.0.0'))).toBe(false);
    expect(set.has(ip('192.168.1.7'))).toBe(true);
    expect(set.has(ip('192.168.1.8'))).toBe(false);
  });

  test('IPv6 prefixes match only their range, and an IPv4 rule matches the IPv4-mapped spelling', () => {
    const set = new CidrSet(['fe80::/10', 'fc00::/7', '127.0.0.0/8']);
    expect(set.has(ip('febf:ffff::1'))).toBe(true);
    expect(set.has(ip('fec0::1'))).toBe(false);
    expect(set.has(ip('fd12:3456::1'))).toBe(true);
    expect(set.has(ip('::ffff:127.0.0.1'))).toBe(true);
    expect(set.has(ip('::127.0.0.1'))).toBe(false); // IPv4-compatible is another address (see embeddedIpv4)
  });

  test('/0 matches its whole family only', () => {
    expect(new CidrSet(['0.0.0.0/0']).has(ip('8.8.8.8'))).toBe(true);
    expect(new CidrSet(['0.0.0.0/0']).has(ip('2001:4860::8888'))).toBe(false);
    expect(new CidrSet(['::/0']).has(ip('2001:4860::8888'))).toBe(true);
  });

  test('rejects malformed ranges', () => {
    expect(() => parseCidr('10.0.0.0/33')).toThrow();
    expect(() => parseCidr('fe80::/129')).toThrow();
    expect(() => parseCidr('example.org/8')).toThrow();
  });
});

describe('embeddedIpv4', () => {
  test.each([
    ['2002:7f00:1::', '127.0.0.1'], // 6to4
    ['2002:a00:1:1234::5', '10.0.0.1'],
    ['64:ff9b::a9fe:a9fe', '169.254.169.254'], // NAT64
    ['::10.1.2.3', '10.1.2.3'], // IPv4-compatible
  ])('%s carries %s', (v6, v4) => {
    expect(embeddedIpv4(ip(v6))).toBe(ip(v4));
  });

  test.each(['::1', '::', '2001:4860::8888', '1.2.3.4'])('%s carries none', (text) => {
    expect(embeddedIpv4(ip(text))).toBeUndefined();
  });
});

describe('AddressPolicy with the default blacklist', () => {
  const policy = new AddressPolicy(DEFAULT_IP_RANGE_BLACKLIST);

  test.each([
    '0.0.0.0',
    '0.1.2.3',
    '::',
    '127.0.0.1',
    '::1',
    '::ffff:127.0.0.1',
    '169.254.169.254',
    'fe80::1',
    '100.64.0.1',
    '224.0.0.1',
    'ff02::1',
    'fd00::1',
    '10.1.2.3',
    '2002:a00:1::', // 6to4 of 10.0.0.1
    '2002:7f00:1::', // 6to4 of 127.0.0.1
    '64:ff9b::7f00:1', // NAT64 of 127.0.0.1
    '64:ff9b::a9fe:a9fe', // NAT64 of the metadata address
    '::ffff:169.254.169.254',
  ])('%s is blocked', (text) => {
    expect(policy.isBlocked(ip(text))).toBe(true);
  });

  test.each(['8.8.8.8', '2001:4860:4860::8888', '2002:808:808::', '64:ff9b::808:808'])('%s is allowed', (text) => {
    expect(policy.isBlocked(ip(text))).toBe(false);
  });

  test('the whitelist exempts its ranges, in every spelling, but never the unspecified address', () => {
    const lenient = new AddressPolicy(DEFAULT_IP_RANGE_BLACKLIST, ['127.0.0.1', '0.0.0.0/0', '::/0']);
    expect(lenient.isBlocked(ip('127.0.0.1'))).toBe(false);
    expect(lenient.isBlocked(ip('::ffff:127.0.0.1'))).toBe(false);
    expect(lenient.isBlocked(ip('0.0.0.0'))).toBe(true);
    expect(lenient.isBlocked(ip('::'))).toBe(true);
    const narrow = new AddressPolicy(DEFAULT_IP_RANGE_BLACKLIST, ['127.0.0.1']);
    expect(narrow.isBlocked(ip('127.0.0.2'))).toBe(true);
  });
});
