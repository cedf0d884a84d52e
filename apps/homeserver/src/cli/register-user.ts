#!/usr/bin/env node
/**
 * register-user -u NAME [-p PASSWORD] [--admin] [--config PATH] [--url URL]
 * Creates a user on a running server through the shared-secret admin API, so it
 * works the same on embedded storage (which only the server process may open)
 * and on PostgreSQL.
 */
import { createInterface } from 'node:readline/promises';
import { loadConfig } from '@lattice/core';
import type { HomeserverConfig } from '@lattice/core';
import { parseArgs, resolveConfigPath, stringFlag } from '@lattice/worker-runtime';
import { registerWithSharedSecret } from './shared-secret-registration.js';

const USAGE = 'usage: register-user -u USERNAME [-p PASSWORD] [--admin] [--config PATH] [--url http://127.0.0.1:8008]';

/** The first plain-HTTP client listener is where a local tool can reach the server. */
function localClientUrl(config: HomeserverConfig): string {
  const l = config.listeners.find((x) => x.type === 'http' && x.resources.some((r) => r.names.includes('client')));
  if (!l) return config.public_baseurl;
  const addr = l.bind_addresses[0] ?? '127.0.0.1';
  const host = addr === '0.0.0.0' || addr === '::' ? '127.0.0.1' : addr.includes(':') ? `[${addr}]` : addr;
  return `${l.tls ? 'https' : 'http'}://${host}:${l.port}/`;
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { u: 'user', p: 'password', a: 'admin', c: 'config' }, ['admin']);
  const config = loadConfig(resolveConfigPath(args).path);
  if (!config.registration_shared_secret) throw new Error('registration_shared_secret is not set in the config');
  const username = stringFlag(args, 'user') ?? (process.stdin.isTTY ? await ask('Username: ') : undefined);
  const password = stringFlag(args, 'password') ?? (process.stdin.isTTY ? await ask('Password: ') : undefined);
  if (!username || !password) throw new Error(USAGE);
  const { user_id } = await registerWithSharedSecret({
    baseUrl: stringFlag(args, 'url') ?? localClientUrl(config),
    sharedSecret: config.registration_shared_secret,
    username,
    password,
    admin: args.flags.get('admin') === true,
  });
  console.log(`Registered ${user_id}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
