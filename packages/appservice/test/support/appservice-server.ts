/**
 * The client-api test server with application services mounted as
 * apps/homeserver mounts them: registrations from YAML files listed in
 * app_service_config_files, the auth hook, the ping and third-party routes,
 * /sync's routers (typing, receipts), end-to-end encryption (keys, to-device)
 * and the transaction sender.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from 'express';
import type { HomeserverConfig, RetrySchedule } from '@lattice/core';
import { DeviceListeners } from '@lattice/client-api';
import { createE2ee } from '@lattice/e2ee';
import { syncRouter } from '@lattice/sync';
import { AppserviceSender, appserviceRouter, appservicesOf, installAppserviceAuth, type AppserviceSenderOptions } from '@lattice/appservice';
import { startTestServer, type DbKind, type TestServer } from '../../../client-api/test/support/test-server.js';
import { startTestAppservice, type TestAppservice } from './test-appservice.js';

export interface AppserviceTestServer extends TestServer {
  sender: AppserviceSender;
  /** Starts a fresh sender over the same database (after stopping the current one). */
  restartSender(): Promise<void>;
}

/** Writes each registration YAML to its own file and lists them in app_service_config_files. */
export function writeRegistrations(yamls: readonly string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-as-'));
  return yamls.map((yaml, i) => {
    const file = join(dir, `registration-${i}.yaml`);
    writeFileSync(file, yaml);
    return file;
  });
}

export interface AppserviceTestServerOptions {
  sender?: AppserviceSenderOptions;
  /** Settings over the test server's homeserver.yaml. */
  config?: Partial<HomeserverConfig>;
  /** A retry schedule for each sender started (a sender closes its own when it stops). */
  schedule?: () => RetrySchedule;
}

export async function startAppserviceTestServer(
  kind: DbKind,
  registrations: readonly string[],
  options: AppserviceTestServerOptions = {},
): Promise<AppserviceTestServer> {
  const senderOptions = options.sender ?? { initialBackoffMs: 50, maxBackoffMs: 200 };
  const late = Router();
  const hs = await startTestServer(kind, {
    app: { routers: [late] },
    config: { ...options.config, app_service_config_files: writeRegistrations(registrations) },
  });
  installAppserviceAuth(hs.ctx);
  hs.ctx.devices = new DeviceListeners();
  const e2ee = createE2ee(hs.ctx);
  late.use(syncRouter(hs.ctx, { extensions: [e2ee.syncExtension] }), e2ee.router, appserviceRouter(hs.ctx));
  const newSender = () =>
    new AppserviceSender(hs.ctx, appservicesOf(hs.ctx.config), { ...senderOptions, ...(options.schedule ? { schedule: options.schedule() } : {}) });
  const server: AppserviceTestServer = {
    ...hs,
    sender: newSender(),
    restartSender: async () => {
      await server.sender.stop();
      server.sender = newSender();
      await server.sender.start();
    },
    close: async () => {
      await server.sender.stop();
      await hs.close();
    },
  };
  await server.sender.start();
  return server;
}

/** A registration YAML in the shape bridges write. */
export function registrationYaml(options: {
  id: string;
  url: string | null;
  asToken: string;
  hsToken: string;
  sender: string;
  users?: Array<{ regex: string; exclusive: boolean }>;
  aliases?: Array<{ regex: string; exclusive: boolean }>;
  rooms?: Array<{ regex: string; exclusive: boolean }>;
  extra?: string;
}): string {
  const list = (entries: Array<{ regex: string; exclusive: boolean }> = []) =>
    entries.length === 0 ? ' []' : '\n' + entries.map((e) => `    - exclusive: ${e.exclusive}\n      regex: '${e.regex}'`).join('\n');
  return `id: ${JSON.stringify(options.id)}
url: ${options.url === null ? 'null' : JSON.stringify(options.url)}
as_token: ${options.asToken}
hs_token: ${options.hsToken}
sender_localpart: ${options.sender}
namespaces:
  users:${list(options.users)}
  aliases:${list(options.aliases)}
  rooms:${list(options.rooms)}
${options.extra ?? ''}
`;
}

export type RegistrationOptions = Parameters<typeof registrationYaml>[0];

/** A test appservice (checking `hsToken`) and a server with its registration, plus `others` as they are. */
export async function startServerWithAppservice(
  kind: DbKind,
  registration: Omit<RegistrationOptions, 'url'>,
  others: readonly string[] = [],
  options: AppserviceTestServerOptions = {},
): Promise<{ hs: AppserviceTestServer; appservice: TestAppservice }> {
  const appservice = await startTestAppservice(registration.hsToken);
  const hs = await startAppserviceTestServer(kind, [registrationYaml({ ...registration, url: appservice.url }), ...others], options);
  return { hs, appservice };
}
