import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { generateConfigYaml, loadConfig, parseConfig } from '../../src/config/index.js';

describe('generateConfigYaml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-gen-'));

  test('the generated file loads cleanly: no errors, no warnings', () => {
    const file = join(dir, 'homeserver.yaml');
    writeFileSync(file, generateConfigYaml({ serverName: 'localhost', dataDir: join(dir, 'data') }));
    const c = loadConfig(file, {});
    expect(c.warnings).toEqual([]);
    expect(c.server_name).toBe('localhost');
    expect(c.public_baseurl).toBe('http://localhost:8008/');
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
    expect(c.database).toEqual({ name: 'pglite', args: { data_dir: join(dir, 'data', 'db') } });
    expect(c.signing_key_path).toBe(join(dir, 'data', 'signing.key'));
    expect(c.media_store_path).toBe(join(dir, 'data', 'media_store'));
    expect(c.enable_registration).toBe(false);
    expect(c.log_level).toBe('info');
    expect(c.registration_shared_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test('a relative data directory is relative to the config file', () => {
    const file = join(dir, 'rel.yaml');
    writeFileSync(file, generateConfigYaml({ serverName: 'localhost', dataDir: 'data' }));
    expect(loadConfig(file, {}).signing_key_path).toBe(join(dir, 'data', 'signing.key'));
  });

  test('a fresh random shared secret each time, unless one is given', () => {
    const a = parseYaml(generateConfigYaml({ serverName: 'localhost', dataDir: '/d' })).registration_shared_secret;
    const b = parseYaml(generateConfigYaml({ serverName: 'localhost', dataDir: '/d' })).registration_shared_secret;
    expect(a).not.toBe(b);
    const given = generateConfigYaml({ serverName: 'localhost', dataDir: '/d', registrationSharedSecret: 's3cr3t: "quoted"' });
    expect(parseConfig(given, { env: {} }).registration_shared_secret).toBe('s3cr3t: "quoted"');
  });

  test('other server names get a loopback base URL and load too', () => {
    for (const serverName of ['example.org', 'localhost:8448', '[::1]:8448']) {
      const c = parseConfig(generateConfigYaml({ serverName, dataDir: '/var/lib/lattice', reportStats: true }), { env: {} });
      expect(c.server_name).toBe(serverName);
      expect(c.public_baseurl).toBe(serverName.startsWith('localhost') ? 'http://localhost:8008/' : 'http://127.0.0.1:8008/');
      expect(c.report_stats).toBe(true);
      expect(c.warnings).toEqual([]);
    }
  });

  test('it is commented', () => {
    const text = generateConfigYaml({ serverName: 'localhost', dataDir: '/d' });
    expect(text.split('\n').filter((l) => l.trimStart().startsWith('#')).length).toBeGreaterThan(10);
  });
});
