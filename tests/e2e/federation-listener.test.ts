/**
 * The built homeserver, started as `npm start` runs it, with Synapse-style
 * listeners: the Client-Server API on one port, federation over TLS on its own
 * port (tls_certificate_path / tls_private_key_path) and federation in plain
 * HTTP for a TLS-terminating proxy. A key server in the test process plays a
 * remote homeserver: it fetches the server's keys over TLS and makes a signed
 * /query/profile request, which the server authenticates by fetching the
 * remote's keys in turn (discovery, test CA, ip_range_whitelist).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '@lattice/core';
import {
  FederationHttpClient,
  FederationRequestError,
  outboundSettings,
  ServerResolver,
  systemSrvLookup,
  WellKnownResolver,
  wellKnownFetch,
} from '@lattice/federation';
import { freePort } from '../support/free-port.js';
import { startHomeserver, type RunningHomeserver } from '../support/homeserver-process.js';
import { matrixClient } from '../support/matrix-client.js';
import { eventually } from '../support/wait.js';
import { createTestCa, type TestCa } from '../../packages/federation/test/support/test-ca.js';
import { startKeyServer, type KeyServer } from '../../packages/federation/test/support/key-server.js';

let workdir: string;
let ca: TestCa;
let homeserver: RunningHomeserver;
let remote: KeyServer;

let serverName: string;
let plainFederationUrl: string;

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), 'lattice-fed-e2e-'));
  ca = createTestCa();
  const { certPath, keyPath } = ca.issue(['127.0.0.1']);
  const tlsPort = await freePort();
  serverName = `127.0.0.1:${tlsPort}`;
  const configPath = path.join(workdir, 'homeserver.yaml');
  await writeFile(
    configPath,
    `server_name: "${serverName}"
report_stats: false
enable_registration: true
enable_registration_without_verification: true
tls_certificate_path: ${certPath}
tls_private_key_path: ${keyPath}
trusted_key_servers: []
federation_custom_ca_list: ["${ca.caPath}"]
ip_range_whitelist: ["127.0.0.1/32"]
`,
  );
  const plainPort = await freePort();
  const listeners =
    '[{port: 0, bind_addresses: ["127.0.0.1"], type: http, resources: [{names: [client]}]},' +
    ` {port: ${plainPort}, bind_addresses: ["127.0.0.1"], type: http, x_forwarded: true, resources: [{names: [federation]}]},` +
    ` {port: ${tlsPort}, bind_addresses: ["127.0.0.1"], type: http, tls: true, resources: [{names: [federation]}]}]`;
  homeserver = await startHomeserver({ cwd: workdir, args: ['--config', configPath], env: { LATTICE_LISTENERS: listeners } });
  const urls = await eventually('all three listeners', () => {
    const found = homeserver.output.flatMap((line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        return entry.msg === 'listening' && entry.url ? [entry.url] : [];
      } catch {
        return [];
      }
    });
    return found.length === 3 ? found : undefined;
  });
  expect(urls[2]).toBe(`https://${serverName}`);
  plainFederationUrl = urls[1]!;
  remote = await startKeyServer('127.0.0.1', ca);
}, 60_000);

afterAll(async () => {
  await homeserver?.stop();
  await remote?.close();
  ca?.remove();
  await rm(workdir, { recursive: true, force: true });
});

/** The remote's signing client: the same discovery, TLS and address settings an operator would configure. */
function remoteClient(trustTestCa = true): FederationHttpClient {
  const caLine = trustTestCa ? `federation_custom_ca_list: ["${ca.caPath}"]\n` : '';
  const config = parseConfig(`server_name: "${remote.serverName}"\n${caLine}ip_range_whitelist: ["127.0.0.1/32"]\n`, {
    env: {},
    configDir: workdir,
  });
  const outbound = outboundSettings(config);
  return new FederationHttpClient({
    serverName: remote.serverName,
    signingKey: remote.signingKey,
    resolver: new ServerResolver({ wellKnown: new WellKnownResolver(wellKnownFetch(outbound)), srv: systemSrvLookup }),
    outbound,
    isAllowed: () => true,
  });
}

test('federation over TLS on its own listener: keys, and a signed request the server authenticates', async () => {
  const client = remoteClient();
  const keys = await client.request<{ server_name: string; verify_keys: Record<string, unknown> }>({
    method: 'GET',
    destination: serverName,
    path: '/_matrix/key/v2/server',
  });
  expect(keys.server_name).toBe(serverName);
  expect(Object.keys(keys.verify_keys)).toHaveLength(1);

  const sdk = matrixClient(homeserver.url);
  const uia = await sdk.registerRequest({ username: 'dana', password: 'pw pw pw pw' }).catch((e: { data: { session: string } }) => e.data);
  const registered = await sdk.register('dana', 'pw pw pw pw', (uia as { session: string }).session, { type: 'm.login.dummy' });
  const dana = matrixClient(homeserver.url, { accessToken: registered.access_token!, userId: registered.user_id });
  await dana.setDisplayName('Dana');

  const profile = await client.request({
    method: 'GET',
    destination: serverName,
    path: `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(registered.user_id)}`,
  });
  expect(profile).toEqual({ displayname: 'Dana' });
  expect(remote.fetches).toBe(1); // the server fetched the remote's key to check the signature

  // Unsigned: refused.
  const unsigned = await fetch(`${plainFederationUrl}/_matrix/federation/v1/query/profile?user_id=x`);
  expect(unsigned.status).toBe(401);
  expect(await unsigned.json()).toMatchObject({ errcode: 'M_UNAUTHORIZED' });
});

test('each listener serves only its resources', async () => {
  // Behind a TLS-terminating proxy: the plain federation listener serves keys and version.
  const version = await fetch(`${plainFederationUrl}/_matrix/federation/v1/version`);
  expect(await version.json()).toEqual({ server: { name: 'Lattice', version: expect.any(String) } });
  const keys = await fetch(`${plainFederationUrl}/_matrix/key/v2/server`);
  expect(((await keys.json()) as { server_name: string }).server_name).toBe(serverName);
  // No Client-Server API on a federation listener, no federation on the client listener.
  const clientOnFederation = await fetch(`${plainFederationUrl}/_matrix/client/versions`);
  expect(clientOnFederation.status).toBe(404);
  expect(await clientOnFederation.json()).toMatchObject({ errcode: 'M_UNRECOGNIZED' });
  const federationOnClient = await fetch(`${homeserver.url}/_matrix/key/v2/server`);
  expect(federationOnClient.status).toBe(404);
  expect(await federationOnClient.json()).toMatchObject({ errcode: 'M_UNRECOGNIZED' });
});

test('refuses requests to it when the caller does not trust its certificate', async () => {
  await expect(remoteClient(false).request({ method: 'GET', destination: serverName, path: '/_matrix/key/v2/server' })).rejects.toBeInstanceOf(
    FederationRequestError,
  );
});
