/**
 * Built homeservers that federate with each other, each started as
 * `npm start` runs it: named 127.0.0.1:<its TLS federation port>, the
 * Client-Server API on an ephemeral plain-HTTP port, trusting the test CA and
 * loopback, each on its own PostgreSQL database (two embedded databases would
 * double the start-up time for nothing these tests check).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestCa } from '../../packages/federation/test/support/test-ca.js';
import { freePort } from './free-port.js';
import { startHomeserver, type RunningHomeserver } from './homeserver-process.js';
import { createEmptyPostgresDatabase } from './postgres.js';

export interface FederatingServer {
  /** The server name. */
  name: string;
  hs: RunningHomeserver;
}

export class FederatingHomeservers {
  private readonly servers: FederatingServer[] = [];
  private readonly databases: Array<{ drop(): Promise<void> }> = [];

  constructor(
    private readonly workdir: string,
    private readonly ca: TestCa,
  ) {}

  /** dbPool: the server's PostgreSQL connections (cp_max; default 10), where many servers share one PostgreSQL. */
  async start(label: string, opts: { dbPool?: number } = {}): Promise<FederatingServer> {
    const dir = path.join(this.workdir, label);
    await mkdir(dir, { recursive: true });
    const { certPath, keyPath } = this.ca.issue(['127.0.0.1']);
    const tlsPort = await freePort();
    const name = `127.0.0.1:${tlsPort}`;
    // Each server keeps its files (keys, media) next to its own config.
    const configPath = path.join(dir, 'homeserver.yaml');
    await writeFile(
      configPath,
      `server_name: "${name}"
enable_registration: true
enable_registration_without_verification: true
tls_certificate_path: ${certPath}
tls_private_key_path: ${keyPath}
trusted_key_servers: []
federation_custom_ca_list: ["${this.ca.caPath}"]
ip_range_whitelist: ["127.0.0.1/32"]
`,
    );
    const listeners =
      '[{port: 0, bind_addresses: ["127.0.0.1"], type: http, resources: [{names: [client]}]},' +
      ` {port: ${tlsPort}, bind_addresses: ["127.0.0.1"], type: http, tls: true, resources: [{names: [federation]}]}]`;
    const database = await createEmptyPostgresDatabase();
    this.databases.push(database);
    const hs = await startHomeserver({
      cwd: dir,
      args: ['--config', configPath],
      env: { LATTICE_LISTENERS: listeners, LATTICE_DATABASE: `{name: psycopg2, args: {connection_string: "${database.url}"${opts.dbPool ? `, cp_max: ${opts.dbPool}` : ''}}}` },
    });
    const server = { name, hs };
    this.servers.push(server);
    return server;
  }

  async stopAll(): Promise<void> {
    for (const { hs } of this.servers) await hs.stop();
    for (const database of this.databases) await database.drop();
  }
}
