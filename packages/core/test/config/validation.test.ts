import { ConfigError, parseConfig } from '../../src/config/index.js';

const parse = (text: string, env: Record<string, string> = {}) => parseConfig(text, { configDir: '/etc/lattice', env });

function errorsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parse(text, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).errors;
  }
  throw new Error('expected a ConfigError');
}

test('every problem is reported at once, each with its path', () => {
  const errors = errorsOf(`server_name: "not a server name!"
public_baseurl: "ftp://example.org"
listeners:
  - port: 70000
  - port: 8008
    bind_addresses: [localhost]
    type: manhole
    tls: maybe
    resources: [{names: [client, static]}, {compress: true}]
  - "8448"
database: {name: sqlite3}
redis: {enabled: true, port: 99999, dbid: -1}
enable_registration: "sometimes"
password_config: {minimum_length: 2.5}
max_upload_size: lots
max_request_body_size: -5
app_service_config_files: irc.yaml
trusted_key_servers: [{verify_keys: {k: [1]}}]
federation_host_map: {b.org: "not a host"}
ip_range_blacklist: ["10.0.0.0/33", "nonsense"]
ip_range_whitelist: ["fe80::/129"]
default_room_version: "99"
access_token_lifetime_ms: soon
well_known_client: {m.homeserver: {}}
log_level: loud
rc_message: {per_second: -1, burst_count: many}
rc_login: {address: 5}
rc_federation: {concurrent: 0}
`);
  expect(errors).toEqual([
    'server_name: must be a server name: hostname or IP literal, optionally with :port',
    'public_baseurl: must be an http:// or https:// URL without query or fragment',
    'listeners[0].port: must be an integer between 0 and 65535',
    'listeners[1].bind_addresses[0]: must be an IPv4 or IPv6 address',
    'listeners[1].type: must be one of: http, metrics',
    'listeners[1].tls: must be true or false',
    'listeners[1].resources[0].names[1]: must be one of: client, federation, keys, media, metrics, health, replication',
    'listeners[1].resources[1].names: is required',
    'listeners[2]: must be a mapping',
    'database.name: must be one of: pglite, psycopg2, postgres',
    'redis.port: must be an integer between 1 and 65535',
    'redis.dbid: must be an integer >= 0',
    'enable_registration: must be true or false',
    'password_config.minimum_length: must be an integer >= 0',
    'max_upload_size: must be a size in bytes, or a number with K, M, G or T (e.g. 50M)',
    'max_request_body_size: must be a size in bytes, or a number with K, M, G or T (e.g. 50M)',
    'app_service_config_files: must be a list',
    'trusted_key_servers[0].server_name: is required',
    'trusted_key_servers[0].verify_keys.k: must be a string',
    'federation_host_map.b.org: must be a server name: hostname or IP literal, optionally with :port',
    'ip_range_blacklist[0]: must be an IP address or CIDR range such as 10.0.0.0/8',
    'ip_range_blacklist[1]: must be an IP address or CIDR range such as 10.0.0.0/8',
    'ip_range_whitelist[0]: must be an IP address or CIDR range such as 10.0.0.0/8',
    expect.stringMatching(/^default_room_version: must be one of: 1, 2, .*, 12$/),
    'access_token_lifetime_ms: must be a duration in milliseconds, or a number with s, m, h, d, w or y (e.g. 5m)',
    'well_known_client.m.homeserver.base_url: is required',
    'log_level: must be one of: fatal, error, warn, info, debug, trace',
    'rc_message.per_second: must be a number >= 0',
    'rc_message.burst_count: must be a number >= 0',
    'rc_login.address: must be a mapping',
    'rc_federation.concurrent: must be an integer >= 1',
  ]);
});

test('the error message lists every problem', () => {
  expect(() => parse('listeners: [{port: -1}]\n')).toThrow(
    'Invalid configuration (2 problems):\n  - server_name: is required\n  - listeners[0].port: must be an integer between 0 and 65535',
  );
});

test('an invalid server_name is reported once, not again through the defaults derived from it', () => {
  expect(errorsOf('server_name: "a b"\n')).toEqual([
    'server_name: must be a server name: hostname or IP literal, optionally with :port',
  ]);
});

test('server names follow the spec grammar', () => {
  for (const ok of ['example.org', 'localhost:8448', '1.2.3.4', '[::1]:8448', '[2001:db8::1]', 'my-host.example.org:1']) {
    expect(parse(`server_name: "${ok}"\n`).server_name).toBe(ok);
  }
  for (const bad of ['exa mple.org', 'example.org:', 'example.org:70000', '[not-ipv6]', 'a_b.org', 'example.org/x']) {
    expect(errorsOf(`server_name: "${bad}"\n`)[0]).toMatch(/^server_name: /);
  }
});

test('unknown keys are warnings, at the top level and inside known mappings', () => {
  const c = parse(`server_name: a.org
pid_file: /run/synapse.pid
macaroon_secret_key: xyz
redis: {enabled: false, use_tls: true}
listeners: [{port: 8008, tag: main, resources: [{names: [client]}]}]
`);
  expect(c.warnings).toEqual([
    'listeners[0].tag: unknown key, ignored',
    'redis.use_tls: unknown key, ignored',
    'pid_file: unknown key, ignored',
    'macaroon_secret_key: unknown key, ignored',
  ]);
  expect(c).not.toHaveProperty('pid_file');
  expect(c.redis).not.toHaveProperty('use_tls');
});

test('YAML syntax errors and duplicate keys are ConfigErrors', () => {
  expect(errorsOf('server_name: [a.org\n')[0]).toMatch(/^yaml: /);
  expect(errorsOf('server_name: a.org\nserver_name: b.org\n')[0]).toMatch(/^yaml: .*unique/i);
});

test('the top level must be a mapping', () => {
  expect(errorsOf('- server_name\n')).toEqual(['(top level): must be a mapping of keys to values']);
  expect(errorsOf('just a string\n')).toEqual(['(top level): must be a mapping of keys to values']);
});

test('a TLS listener needs the certificate and key', () => {
  const listeners = 'listeners: [{port: 8448, tls: true, resources: [{names: [federation]}]}]\n';
  expect(errorsOf(`server_name: a.org\n${listeners}`)).toEqual([
    'listeners[0].tls: requires tls_certificate_path and tls_private_key_path',
  ]);
  const c = parse(`server_name: a.org\n${listeners}tls_certificate_path: c.pem\ntls_private_key_path: k.pem\n`);
  expect(c.listeners[0]!.tls).toBe(true);
});

test('two listeners cannot bind the same address and port', () => {
  expect(
    errorsOf('server_name: a.org\nlisteners: [{port: 8008, bind_addresses: ["127.0.0.1"]}, {port: 8008, bind_addresses: ["::1", "127.0.0.1"]}]\n'),
  ).toEqual(['listeners[1].port: 127.0.0.1:8008 is already bound by listeners[0]']);
  expect(
    parse('server_name: a.org\nlisteners: [{port: 8008, bind_addresses: ["127.0.0.1"]}, {port: 8008, bind_addresses: ["::1"]}]\n').listeners,
  ).toHaveLength(2);
});

test('open registration needs the explicit no-verification opt-in, as in Synapse', () => {
  expect(errorsOf('server_name: a.org\nenable_registration: true\n')).toEqual([
    expect.stringMatching(/^enable_registration: open registration without verification/),
  ]);
  const c = parse('server_name: a.org\nenable_registration: true\nenable_registration_without_verification: true\n');
  expect(c.enable_registration).toBe(true);
});

test('field errors and cross-key errors come together', () => {
  expect(errorsOf('server_name: a.org\nenable_registration: true\nredis: {port: 0}\n')).toEqual([
    'redis.port: must be an integer between 1 and 65535',
    expect.stringMatching(/^enable_registration: /),
  ]);
});

test('a ConfigError carries the warnings found before it', () => {
  try {
    parse('frobnicate: 1\n');
    throw new Error('expected a ConfigError');
  } catch (err) {
    expect((err as ConfigError).warnings).toEqual(['frobnicate: unknown key, ignored']);
  }
});
