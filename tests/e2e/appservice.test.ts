/**
 * Application services in the real single process (`npm start`): a bad
 * registration file stops the server at start-up with the problem named; a
 * good one lets the bridge register its users with its as_token, act as them,
 * and receive their rooms' events as transactions on its HTTP endpoint.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startHomeserver, startMigratedHomeserver, type RunningHomeserver } from '../support/homeserver-process.js';
import { startTestAppservice, type TestAppservice } from '../../packages/appservice/test/support/test-appservice.js';
import { registrationYaml } from '../../packages/appservice/test/support/appservice-server.js';

let workdir: string;
let server: RunningHomeserver | undefined;
let bridge: TestAppservice | undefined;

beforeEach(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), 'lattice-as-e2e-'));
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  await bridge?.close();
  bridge = undefined;
  await rm(workdir, { recursive: true, force: true });
});

test('a registration file with a problem stops the server at start-up, naming file and key', async () => {
  const file = path.join(workdir, 'broken.yaml');
  await writeFile(file, 'id: broken\nurl: null\nas_token: a\nsender_localpart: bot\nnamespaces: {}\n');
  await expect(startHomeserver({ cwd: workdir, env: { LATTICE_APP_SERVICE_CONFIG_FILES: `[${file}]` } })).rejects.toThrow(
    `${file}: hs_token: required, a non-empty string`,
  );
});

test('a bridge registers a user, acts as it, and receives its room events', async () => {
  bridge = await startTestAppservice('hs_e2e');
  const file = path.join(workdir, 'bridge.yaml');
  await writeFile(
    file,
    registrationYaml({ id: 'bridge', url: bridge.url, asToken: 'as_e2e', hsToken: 'hs_e2e', sender: '_bridge_bot', users: [{ regex: '@_bridge_.*', exclusive: true }] }),
  );
  server = await startMigratedHomeserver({ cwd: workdir, env: { LATTICE_APP_SERVICE_CONFIG_FILES: `[${file}]` } });
  const call = async (method: string, p: string, body: unknown) => {
    const res = await fetch(server!.url + p, { method, headers: { authorization: 'Bearer as_e2e', 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const reg = await call('POST', '/_matrix/client/v3/register', { type: 'm.login.application_service', username: '_bridge_puppet', inhibit_login: true });
  expect(reg).toMatchObject({ status: 200, body: { user_id: '@_bridge_puppet:localhost' } });
  const asPuppet = `user_id=${encodeURIComponent('@_bridge_puppet:localhost')}`;
  const room = await call('POST', `/_matrix/client/v3/createRoom?${asPuppet}`, {});
  expect(room.status).toBe(200);
  const roomId = room.body.room_id as string;
  const sent = await call('PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/e2e1?${asPuppet}`, { msgtype: 'm.text', body: 'bridged' });
  expect(sent.status).toBe(200);
  await bridge.waitFor((txns) => txns.some((t) => t.body.events.some((e) => e.event_id === sent.body.event_id)), 'the bridged message');
  const event = bridge.transactions.flatMap((t) => t.body.events).find((e) => e.event_id === sent.body.event_id)!;
  expect(event).toMatchObject({ sender: '@_bridge_puppet:localhost', room_id: roomId, content: { body: 'bridged' }, unsigned: { transaction_id: 'e2e1' } });
  const ping = await call('POST', '/_matrix/client/v1/appservice/bridge/ping', {});
  expect(ping.status).toBe(200);
});
