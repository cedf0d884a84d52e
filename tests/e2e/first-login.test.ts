/**
 * The foundation's promise, end to end: a fresh `npm start` serves a homeserver
 * that a real Matrix client (matrix-js-sdk) can register with (through the
 * register-user CLI, and through open registration when enabled), log into and
 * log out of; and its data survives a restart.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MatrixError as SdkMatrixError } from 'matrix-js-sdk';
import { parse as parseYaml } from 'yaml';
import { runCli, startHomeserver, type RunningHomeserver } from '../support/homeserver-process.js';
import { matrixClient as client } from '../support/matrix-client.js';

let workdir: string;
let server: RunningHomeserver | undefined;

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), 'lattice-e2e-'));
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
});

test('first run writes ./data with registration disabled and a shared secret', async () => {
  server = await startHomeserver({ cwd: workdir });
  const configPath = path.join(workdir, 'data', 'homeserver.yaml');
  expect(existsSync(configPath)).toBe(true);
  expect(existsSync(path.join(workdir, 'data', 'signing.key'))).toBe(true);
  const config = parseYaml(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  expect(config.server_name).toBe('localhost');
  expect(config.enable_registration).toBe(false);
  expect(typeof config.registration_shared_secret).toBe('string');
  expect((config.registration_shared_secret as string).length).toBeGreaterThanOrEqual(32);

  const versions = (await (await fetch(`${server.url}/_matrix/client/versions`)).json()) as { versions: string[] };
  expect(versions.versions).toContain('v1.1');

  // Registration is disabled: the client's attempt is refused with the spec's error.
  const anon = client(server.url);
  await expect(anon.registerRequest({ username: 'mallory', password: 'pw', auth: { type: 'm.login.dummy' } })).rejects.toMatchObject({
    errcode: 'M_FORBIDDEN',
  });
});

test('register-user, then matrix-js-sdk logs in, sees itself, and logs out', async () => {
  server = await startHomeserver({ cwd: workdir });
  const configPath = path.join(workdir, 'data', 'homeserver.yaml');
  const { stdout } = await runCli('register-user', ['-u', 'alice', '-p', 'correct horse battery', '--config', configPath, '--url', server.url], workdir);
  expect(stdout).toContain('@alice:localhost');

  const alice = client(server.url);
  const login = await alice.loginRequest({
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: 'alice' },
    password: 'correct horse battery',
    initial_device_display_name: 'e2e',
  });
  expect(login.user_id).toBe('@alice:localhost');
  expect(login.device_id).toBeTruthy();

  const authed = client(server.url, { accessToken: login.access_token, userId: login.user_id, deviceId: login.device_id });
  const whoami = await authed.whoami();
  expect(whoami).toMatchObject({ user_id: '@alice:localhost', device_id: login.device_id });
  const devices = await authed.getDevices();
  expect(devices.devices.map((d) => d.device_id)).toContain(login.device_id);

  await authed.logout(true);
  const stale = authed.whoami();
  await expect(stale).rejects.toBeInstanceOf(SdkMatrixError);
  await expect(stale).rejects.toMatchObject({ errcode: 'M_UNKNOWN_TOKEN' });

  // A wrong password is refused the way the spec says.
  await expect(
    client(server.url).loginRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'wrong' }),
  ).rejects.toMatchObject({ errcode: 'M_FORBIDDEN' });
});

test('open registration through UIA (m.login.dummy), and users survive a restart', async () => {
  server = await startHomeserver({ cwd: workdir, env: { LATTICE_ENABLE_REGISTRATION: 'true', LATTICE_ENABLE_REGISTRATION_WITHOUT_VERIFICATION: 'true' } });
  const bob = client(server.url);
  // The SDK's own UIA loop: the first request learns the flows, the second completes m.login.dummy.
  const first = await bob.registerRequest({ username: 'bob', password: 'hunter2 hunter2' }).catch((e: SdkMatrixError) => e);
  expect(first).toBeInstanceOf(SdkMatrixError);
  const uia = (first as SdkMatrixError).data as { session: string; flows: Array<{ stages: string[] }> };
  expect(uia.flows.some((f) => f.stages.includes('m.login.dummy'))).toBe(true);
  const registered = await bob.register('bob', 'hunter2 hunter2', uia.session, { type: 'm.login.dummy', session: uia.session });
  expect(registered.user_id).toBe('@bob:localhost');
  expect(registered.access_token).toBeTruthy();
  await server.stop();

  // Same data directory, new process: the account is still there.
  server = await startHomeserver({ cwd: workdir });
  const again = client(server.url);
  const login = await again.loginRequest({ type: 'm.login.password', user: 'bob', password: 'hunter2 hunter2' });
  expect(login.user_id).toBe('@bob:localhost');
  const authed = client(server.url, { accessToken: login.access_token, userId: login.user_id });
  await authed.logout();
});
