#!/usr/bin/env node
/**
 * generate-config --server-name example.org [--config ./data/homeserver.yaml] [--data-dir DIR]
 * Writes a working homeserver.yaml and a fresh signing key; refuses to overwrite.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateConfigYaml, parseServerName } from '@lattice/core';
import { parseArgs, resolveConfigPath, stringFlag } from '@lattice/worker-runtime';
import { loadOrCreateSigningKey } from '@lattice/worker-runtime';

const USAGE = 'usage: generate-config --server-name NAME [--config PATH] [--data-dir DIR]';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { H: 'server-name', c: 'config' });
  const serverName = stringFlag(args, 'server-name');
  if (!serverName) throw new Error(USAGE);
  if (!parseServerName(serverName)) throw new Error(`"${serverName}" is not a valid server name (a DNS name, IPv4 or [IPv6] address, optionally :port)`);
  const configPath = resolveConfigPath(args).path;
  if (existsSync(configPath)) throw new Error(`${configPath} already exists; not overwriting it`);
  const dataDir = path.resolve(stringFlag(args, 'data-dir') ?? path.dirname(configPath));

  await mkdir(path.dirname(configPath), { recursive: true });
  await mkdir(dataDir, { recursive: true });
  await writeFile(configPath, generateConfigYaml({ serverName, dataDir }), { mode: 0o600 });
  const key = await loadOrCreateSigningKey(path.join(dataDir, 'signing.key'), { info: () => undefined });
  console.log(`Wrote ${configPath}`);
  console.log(`Signing key ${key.keyId} in ${path.join(dataDir, 'signing.key')}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
