import path from 'node:path';
import type { ParsedArgs } from './args.js';
import { stringFlag } from './args.js';

/** The default location of the embedded deployment's files, relative to where `npm start` runs. */
export const DEFAULT_DATA_DIR = 'data';

/** `--config PATH`, else LATTICE_CONFIG, else ./data/homeserver.yaml. */
export function resolveConfigPath(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): { path: string; isDefault: boolean } {
  const explicit = stringFlag(args, 'config') ?? env.LATTICE_CONFIG;
  if (explicit) return { path: path.resolve(explicit), isDefault: false };
  return { path: path.resolve(DEFAULT_DATA_DIR, 'homeserver.yaml'), isDefault: true };
}
