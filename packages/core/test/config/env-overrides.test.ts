import { ConfigError, parseConfig } from '../../src/config/index.js';

const parse = (text: string, env: Record<string, string | undefined>) => parseConfig(text, { configDir: '/etc/lattice', env });

test('top-level strings, numbers and booleans', () => {
  const c = parse('server_name: a.org\n', {
    LATTICE_SERVER_NAME: 'b.org',
    LATTICE_MAX_UPLOAD_SIZE: '5M',
    LATTICE_ENABLE_REGISTRATION: 'true',
    LATTICE_ENABLE_REGISTRATION_WITHOUT_VERIFICATION: 'true',
    LATTICE_FEDERATION_VERIFY_CERTIFICATES: 'false',
    LATTICE_DEFAULT_ROOM_VERSION: '10',
  });
  expect(c.server_name).toBe('b.org');
  expect(c.public_baseurl).toBe('https://b.org/');
  expect(c.max_upload_size).toBe(5 * 1024 * 1024);
  expect(c.enable_registration).toBe(true);
  expect(c.federation_verify_certificates).toBe(false);
  expect(c.default_room_version).toBe('10');
  expect(c.warnings).toEqual([]);
});

test('nested keys joined with a double underscore, over the file', () => {
  const c = parse('server_name: a.org\ndatabase: {name: psycopg2, args: {host: file-host, user: lattice}}\n', {
    LATTICE_DATABASE__ARGS__HOST: 'db.internal',
    LATTICE_DATABASE__ARGS__PORT: '6543',
    LATTICE_RC_MESSAGE__PER_SECOND: '0.5',
    LATTICE_RC_LOGIN__FAILED_ATTEMPTS__BURST_COUNT: '7',
    LATTICE_REDIS__ENABLED: 'true',
  });
  expect(c.database).toEqual({ name: 'psycopg2', args: { host: 'db.internal', user: 'lattice', port: 6543 } });
  expect(c.rc_message).toEqual({ per_second: 0.5, burst_count: 10 });
  expect(c.rc_login.failed_attempts).toEqual({ per_second: 0.17, burst_count: 7 });
  expect(c.redis.enabled).toBe(true);
});

test('switching the database by its name alone', () => {
  const c = parse('server_name: a.org\n', { LATTICE_DATABASE__NAME: 'postgres', LATTICE_DATABASE__ARGS__CONNECTION_STRING: 'postgres://u@h/db' });
  expect(c.database).toEqual({ name: 'postgres', args: { connection_string: 'postgres://u@h/db' } });
});

test('whole lists and mappings as YAML flow values', () => {
  const c = parse('server_name: a.org\n', {
    LATTICE_LISTENERS: '[{port: 8448, bind_addresses: ["0.0.0.0"], resources: [{names: [federation, keys]}]}, {port: 9000, type: metrics}]',
    LATTICE_IP_RANGE_WHITELIST: '["10.1.0.0/16", "fd00::1"]',
    LATTICE_REDIS: '{enabled: true, host: redis, port: 6380}',
  });
  expect(c.listeners.map((l) => [l.port, l.type, l.resources.flatMap((r) => r.names)])).toEqual([
    [8448, 'http', ['federation', 'keys']],
    [9000, 'metrics', []],
  ]);
  expect(c.ip_range_whitelist).toEqual(['10.1.0.0/16', 'fd00::1']);
  expect(c.redis).toEqual({ enabled: true, host: 'redis', port: 6380 });
});

test('list items by index; an absent list starts from its default', () => {
  const moved = parse('server_name: a.org\n', { LATTICE_LISTENERS__0__PORT: '9008' });
  expect(moved.listeners).toHaveLength(1);
  expect(moved.listeners[0]).toMatchObject({ port: 9008, bind_addresses: ['127.0.0.1'], resources: [{ names: ['client', 'federation'] }] });

  const file = 'server_name: a.org\nlisteners: [{port: 8008, resources: [{names: [client]}]}, {port: 9000, type: metrics}]\n';
  const c = parse(file, { LATTICE_LISTENERS__1__PORT: '9100', LATTICE_LISTENERS__0__X_FORWARDED: 'yes' });
  expect(c.listeners.map((l) => [l.port, l.x_forwarded])).toEqual([
    [8008, true],
    [9100, false],
  ]);
});

test('a whole mapping and a refinement of it apply in that order', () => {
  const c = parse('server_name: a.org\n', { LATTICE_REDIS__PORT: '7000', LATTICE_REDIS: '{enabled: true, port: 6000}' });
  expect(c.redis).toMatchObject({ enabled: true, port: 7000 });
});

test('string settings are taken verbatim, not parsed as YAML', () => {
  const c = parse('server_name: a.org\n', {
    LATTICE_REGISTRATION_SHARED_SECRET: '#not: a [comment',
    LATTICE_REDIS__PASSWORD: '{x}',
    LATTICE_DATABASE__NAME: 'psycopg2',
    LATTICE_DATABASE__ARGS__PASSWORD: '12345',
  });
  expect(c.registration_shared_secret).toBe('#not: a [comment');
  expect(c.redis.password).toBe('{x}');
  expect(c.database).toEqual({ name: 'psycopg2', args: { password: '12345' } });
});

test('an empty value removes the key so its default applies', () => {
  const c = parse('server_name: a.org\nmax_upload_size: 1M\n', { LATTICE_MAX_UPLOAD_SIZE: '' });
  expect(c.max_upload_size).toBe(50 * 1024 * 1024);
});

test('variables naming no key are ignored with a warning; other variables are not looked at', () => {
  const c = parse('server_name: a.org\n', { LATTICE_SERVR_NAME: 'typo', LATTICE_: 'x', LATTICE_REDIS____PORT: '1', HOME: '/root', PATH: '/bin' });
  expect(c.server_name).toBe('a.org');
  expect(c.warnings).toEqual([
    'LATTICE_: names no configuration key, ignored',
    'LATTICE_SERVR_NAME: names no configuration key, ignored',
    'LATTICE_REDIS____PORT: names no configuration key, ignored',
  ]);
});

test('a bad value set by a variable names the variable', () => {
  try {
    parse('server_name: a.org\n', { LATTICE_REDIS__PORT: 'abc', LATTICE_LISTENERS: '[{port: 70000}]', LATTICE_LOG_LEVEL: 'loud' });
    throw new Error('expected a ConfigError');
  } catch (err) {
    expect((err as ConfigError).errors).toEqual([
      'listeners[0].port: must be an integer between 0 and 65535 (set by LATTICE_LISTENERS)',
      'redis.port: must be an integer between 1 and 65535 (set by LATTICE_REDIS__PORT)',
      'log_level: must be one of: fatal, error, warn, info, debug, trace (set by LATTICE_LOG_LEVEL)',
    ]);
  }
});

test('the most specific variable is named', () => {
  try {
    parse('server_name: a.org\n', { LATTICE_REDIS: '{enabled: true}', LATTICE_REDIS__PORT: '0' });
    throw new Error('expected a ConfigError');
  } catch (err) {
    expect((err as ConfigError).errors).toEqual(['redis.port: must be an integer between 1 and 65535 (set by LATTICE_REDIS__PORT)']);
  }
});

test("Synapse's alias names work as variables too, over the file's canonical key", () => {
  const c = parse('server_name: a.org\nip_range_blacklist: ["10.0.0.0/8"]\n', { LATTICE_IP_RANGE_BLOCKLIST: '["192.168.0.0/16"]' });
  expect(c.ip_range_blacklist).toEqual(['192.168.0.0/16', '0.0.0.0/32', '::/128']);
});

test('the file alone decides when no variable is set', () => {
  const c = parse('server_name: a.org\nmax_upload_size: 1M\n', {});
  expect(c.max_upload_size).toBe(1024 * 1024);
});
