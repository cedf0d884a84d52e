import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateConfigYaml } from '@lattice/core';

/**
 * The embedded default: on the first `npm start` without --config, write
 * ./data/homeserver.yaml (server_name localhost, registration disabled, a random
 * registration_shared_secret); later runs reuse it. An explicit config path that
 * does not exist is an operator error, not a first run.
 */
export async function ensureDefaultConfig(configPath: string, isDefault: boolean, say: (line: string) => void): Promise<void> {
  if (existsSync(configPath)) return;
  if (!isDefault) {
    throw new Error(
      `Config file ${configPath} does not exist. Create one with: npm run generate-config -- --server-name example.org --config ${configPath}`,
    );
  }
  const dataDir = path.dirname(configPath);
  await mkdir(dataDir, { recursive: true });
  await writeFile(configPath, generateConfigYaml({ serverName: 'localhost', dataDir }), { mode: 0o600 });
  say(`First run: wrote ${configPath} (server_name localhost, registration disabled).`);
}
