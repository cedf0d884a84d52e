import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_IP_RANGE_BLACKLIST, DEFAULT_LISTENERS, loadConfig, parseConfig } from '../../src/config/index.js';

const parse = (text: string, env: Record<string, string> = {}) => parseConfig(text, { configDir: '/etc/lattice', env });

describe('parseConfig defaults', () => {
  const c = parse('server_name: example.org\n');

  test('server basics follow Synapse', () => {
    expect(c.public_baseurl).toBe('https://example.org/');
    expect(c.enable_registration).toBe(false);
    expect(c.enable_registration_without_verification).toBe(false);
    expect(c.federation_verify_certificates).toBe(true);
    expect(c.trusted_key_servers).toEqual([{ server_name: 'matrix.org' }]);
    expect(c.max_upload_size).toBe(50 * 1024 * 1024);
    expect(c.default_room_version).toBe('12');
    expect(c.log_level).toBe('info');
    expect(c.serve_server_wellknown).toBe(false);
    expect(c.access_token_lifetime_ms).toBe(5 * 60 * 1000);
    expect(c.refresh_token_lifetime_ms).toBeUndefined();
    expect(c.registration_shared_secret).toBeUndefined();
    expect(c.password_config).toEqual({ enabled: true, minimum_length: 0, scrypt_log2_n: 15 });
    expect(c.app_service_config_files).toEqual([]);
    expect(c.config_dir).toBe('/etc/lattice');
    expect(c.warnings).toEqual([]);
  });

  test('one local listener with client and federation', () => {
    expect(c.listeners).toEqual([
      {
        port: 8008,
        bind_addresses: ['127.0.0.1'],
        type: 'http',
        tls: false,
        x_forwarded: false,
        resources: [{ names: ['client', 'federation'], compress: false }],
      },
    ]);
  });

  test('embedded database and paths under the config directory', () => {
    expect(c.database).toEqual({ name: 'pglite', args: { data_dir: '/etc/lattice/db' } });
    expect(c.signing_key_path).toBe('/etc/lattice/example.org.signing.key');
    expect(c.media_store_path).toBe('/etc/lattice/media_store');
  });

  test('redis off, with Synapse connection defaults', () => {
    expect(c.redis).toEqual({ enabled: false, host: 'localhost', port: 6379 });
  });

  test('rate limits take Synapse values', () => {
    expect(c.rc_message).toEqual({ per_second: 0.2, burst_count: 10 });
    expect(c.rc_registration).toEqual({ per_second: 0.17, burst_count: 3 });
    expect(c.rc_login).toEqual({
      address: { per_second: 0.003, burst_count: 5 },
      account: { per_second: 0.003, burst_count: 5 },
      failed_attempts: { per_second: 0.17, burst_count: 3 },
    });
    expect(c.rc_joins).toEqual({ local: { per_second: 0.1, burst_count: 10 }, remote: { per_second: 0.01, burst_count: 10 } });
    expect(c.rc_joins_per_room).toEqual({ per_second: 1, burst_count: 10 });
    expect(c.rc_invites).toEqual({
      per_room: { per_second: 0.3, burst_count: 10 },
      per_user: { per_second: 0.003, burst_count: 5 },
      per_issuer: { per_second: 0.3, burst_count: 10 },
    });
    expect(c.rc_room_creation).toEqual({ per_second: 0.016, burst_count: 10 });
    expect(c.rc_media_create).toEqual({ per_second: 10, burst_count: 50 });
    expect(c.rc_federation).toEqual({ window_size: 1000, sleep_limit: 10, sleep_delay: 500, reject_limit: 50, concurrent: 3 });
  });

  test('a partly given rate limit keeps the default for the rest', () => {
    const p = parse('server_name: a.org\nrc_login:\n  address: {per_second: 1}\n');
    expect(p.rc_login.address).toEqual({ per_second: 1, burst_count: 5 });
    expect(p.rc_login.account).toEqual({ per_second: 0.003, burst_count: 5 });
  });

  test('the IP blacklist is the private ranges, plus the unroutable addresses always', () => {
    expect(c.ip_range_blacklist).toEqual([...DEFAULT_IP_RANGE_BLACKLIST, '0.0.0.0/32', '::/128']);
    for (const r of ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', 'fc00::/7', 'fe80::/10', '::1/128']) {
      expect(c.ip_range_blacklist).toContain(r);
    }
    expect(c.ip_range_whitelist).toEqual([]);
    const own = parse('server_name: a.org\nip_range_blacklist: ["10.0.0.0/8"]\n');
    expect(own.ip_range_blacklist).toEqual(['10.0.0.0/8', '0.0.0.0/32', '::/128']);
  });

  test('well-known client content defaults to public_baseurl', () => {
    expect(c.well_known_client).toEqual({ 'm.homeserver': { base_url: 'https://example.org/' } });
  });

  test('defaults are fresh objects on every load', () => {
    const a = parse('server_name: a.org\n');
    a.listeners[0]!.port = 1;
    a.ip_range_whitelist.push('1.2.3.4');
    expect(parse('server_name: a.org\n').listeners).toEqual(DEFAULT_LISTENERS);
    expect(parse('server_name: a.org\n').ip_range_whitelist).toEqual([]);
  });
});

describe('parseConfig values', () => {
  test('public_baseurl gets a trailing slash', () => {
    expect(parse('server_name: a.org\npublic_baseurl: https://matrix.a.org\n').public_baseurl).toBe('https://matrix.a.org/');
    expect(parse('server_name: a.org\npublic_baseurl: https://a.org/matrix\n').public_baseurl).toBe('https://a.org/matrix/');
    expect(parse('server_name: a.org\npublic_baseurl: http://a.org:8008/\n').public_baseurl).toBe('http://a.org:8008/');
  });

  test('size strings', () => {
    const c = parse('server_name: a.org\nmax_upload_size: 100M\nmax_request_body_size: 512K\n');
    expect(c.max_upload_size).toBe(100 * 1024 * 1024);
    expect(c.max_request_body_size).toBe(512 * 1024);
    expect(parse('server_name: a.org\nmax_upload_size: 1G\n').max_upload_size).toBe(1024 ** 3);
    expect(parse('server_name: a.org\nmax_upload_size: 12345\n').max_upload_size).toBe(12345);
  });

  test('durations accept Synapse notation and the Synapse key names', () => {
    const c = parse('server_name: a.org\nrefreshable_access_token_lifetime: 10m\nrefresh_token_lifetime: 1w\n');
    expect(c.access_token_lifetime_ms).toBe(600_000);
    expect(c.refresh_token_lifetime_ms).toBe(7 * 86_400_000);
    expect(parse('server_name: a.org\naccess_token_lifetime_ms: 90000\n').access_token_lifetime_ms).toBe(90_000);
  });

  test("Synapse's renamed keys: ip_range_blocklist / allowlist", () => {
    const c = parse('server_name: a.org\nip_range_blocklist: ["10.0.0.0/8"]\nip_range_allowlist: ["10.1.2.3"]\n');
    expect(c.ip_range_blacklist).toContain('10.0.0.0/8');
    expect(c.ip_range_blacklist).not.toContain('192.168.0.0/16');
    expect(c.ip_range_whitelist).toEqual(['10.1.2.3']);
    expect(c.warnings).toEqual([]);
  });

  test('password policy: minimum_length directly or via the Synapse policy block', () => {
    expect(parse('server_name: a.org\npassword_config: {minimum_length: 8}\n').password_config.minimum_length).toBe(8);
    expect(
      parse('server_name: a.org\npassword_config: {policy: {enabled: true, minimum_length: 12}}\n').password_config,
    ).toEqual({ enabled: true, minimum_length: 12, scrypt_log2_n: 15 });
    expect(parse('server_name: a.org\npassword_config: {policy: {enabled: false, minimum_length: 12}}\n').password_config.minimum_length).toBe(0);
    expect(parse('server_name: a.org\npassword_config: {enabled: false}\n').password_config.enabled).toBe(false);
  });

  test('password hashing cost: scrypt_log2_n from 10 to 20, and a warning below OWASP minimum (15)', () => {
    const cheap = parse('server_name: a.org\npassword_config: {scrypt_log2_n: 10}\n');
    expect(cheap.password_config.scrypt_log2_n).toBe(10);
    expect(cheap.warnings).toEqual([expect.stringMatching(/^password_config\.scrypt_log2_n: 10 hashes new passwords below OWASP's minimum/)]);
    expect(parse('server_name: a.org\npassword_config: {scrypt_log2_n: 17}\n').warnings).toEqual([]);
    expect(() => parse('server_name: a.org\npassword_config: {scrypt_log2_n: 9}\n')).toThrow(/password_config\.scrypt_log2_n: must be an integer between 10 and 20/);
    expect(() => parse('server_name: a.org\npassword_config: {scrypt_log2_n: 21}\n')).toThrow(/password_config\.scrypt_log2_n/);
  });

  test('a Synapse-style postgres database', () => {
    const c = parse(`server_name: a.org
database:
  name: psycopg2
  args: {user: synapse, password: secret, database: synapse, host: db, port: 5433, cp_min: 5, cp_max: 10}
`);
    expect(c.database).toEqual({
      name: 'psycopg2',
      args: { user: 'synapse', password: 'secret', database: 'synapse', host: 'db', port: 5433, cp_min: 5, cp_max: 10 },
    });
  });

  test('a given listener takes Synapse listener defaults', () => {
    const c = parse('server_name: a.org\nlisteners:\n  - port: 8448\n    resources: [{names: [federation]}]\n');
    expect(c.listeners).toEqual([
      { port: 8448, bind_addresses: ['::', '0.0.0.0'], type: 'http', tls: false, x_forwarded: false, resources: [{ names: ['federation'], compress: false }] },
    ]);
  });

  test('federation host map: server name to the host:port to connect to', () => {
    expect(parse('server_name: a.org\n').federation_host_map).toEqual({});
    const c = parse('server_name: a.org\nfederation_host_map: {"hs2.test": "127.0.0.1:8448", "b.org": "[::1]:9000"}\n');
    expect(c.federation_host_map).toEqual({ 'hs2.test': '127.0.0.1:8448', 'b.org': '[::1]:9000' });
  });

  test('numbers where strings are expected (unquoted room version) are accepted', () => {
    expect(parse('server_name: a.org\ndefault_room_version: 10\n').default_room_version).toBe('10');
  });

  test('booleans written the YAML 1.1 way, as in Synapse files', () => {
    expect(parse('server_name: a.org\nserve_server_wellknown: yes\n').serve_server_wellknown).toBe(true);
    expect(parse('server_name: a.org\nfederation_verify_certificates: off\n').federation_verify_certificates).toBe(false);
  });

  test('log level is case-insensitive', () => {
    expect(parse('server_name: a.org\nlog_level: DEBUG\n').log_level).toBe('debug');
  });

  test('explicit well_known_client keeps extra keys', () => {
    const c = parse(`server_name: a.org
well_known_client:
  m.homeserver: {base_url: "https://matrix.a.org"}
  m.identity_server: {base_url: "https://id.a.org"}
`);
    expect(c.well_known_client).toEqual({
      'm.homeserver': { base_url: 'https://matrix.a.org' },
      'm.identity_server': { base_url: 'https://id.a.org' },
    });
  });

  test('round trip: a loaded config written back as YAML loads to the same config', () => {
    const first = parse(`server_name: a.org
public_baseurl: https://matrix.a.org
listeners: [{port: 8448, bind_addresses: ["::"], x_forwarded: true, resources: [{names: [client, federation, keys], compress: true}]}]
database: {name: postgres, args: {connection_string: "postgres://u@h/db"}}
redis: {enabled: true, host: redis, port: 6380, password: pw, dbid: 2}
max_upload_size: 20M
rc_message: {per_second: 1.5, burst_count: 20}
trusted_key_servers: [{server_name: keys.a.org, verify_keys: {"ed25519:auto": "abc"}}]
`);
    const { config_dir: _dir, warnings: _warnings, ...rest } = first;
    const second = parse(stringify(rest));
    expect(second).toEqual(first);
    expect(second.warnings).toEqual([]);
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-config-'));

  test('relative paths resolve against the file, absolute ones stay', () => {
    mkdirSync(join(dir, 'conf'), { recursive: true });
    const file = join(dir, 'conf', 'homeserver.yaml');
    writeFileSync(
      file,
      `server_name: a.org
signing_key_path: keys/a.key
media_store_path: ../media
database: {name: pglite, args: {data_dir: /var/lib/lattice/db}}
app_service_config_files: [bridges/irc.yaml]
tls_certificate_path: tls/cert.pem
`,
    );
    const c = loadConfig(file, {});
    expect(c.config_dir).toBe(join(dir, 'conf'));
    expect(c.signing_key_path).toBe(join(dir, 'conf', 'keys', 'a.key'));
    expect(c.media_store_path).toBe(join(dir, 'media'));
    expect(c.database).toEqual({ name: 'pglite', args: { data_dir: '/var/lib/lattice/db' } });
    expect(c.app_service_config_files).toEqual([join(dir, 'conf', 'bridges', 'irc.yaml')]);
    expect(c.tls_certificate_path).toBe(join(dir, 'conf', 'tls', 'cert.pem'));
  });

  test('a relative config path resolves against the working directory', () => {
    const file = join(dir, 'rel.yaml');
    writeFileSync(file, 'server_name: a.org\n');
    const c = loadConfig(relative(process.cwd(), file), {});
    expect(c.database).toEqual({ name: 'pglite', args: { data_dir: join(dir, 'db') } });
  });

  test('a missing file is a ConfigError naming it', () => {
    expect(() => loadConfig(join(dir, 'nope.yaml'), {})).toThrow(/cannot read .*nope\.yaml/);
  });

  test('an empty file reports the missing server_name', () => {
    const file = join(dir, 'empty.yaml');
    writeFileSync(file, '');
    expect(() => loadConfig(file, {})).toThrow(/server_name: is required/);
  });
});
