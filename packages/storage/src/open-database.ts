import { isAbsolute, resolve } from 'node:path';
import type { DatabaseConfig, Logger } from '@lattice/core';
import type { Database } from './database.js';
import { openPglite } from './drivers/pglite.js';
import { openPostgres } from './drivers/postgres.js';

/** Opens the database named by homeserver.yaml's `database` section; relative paths resolve against configDir. */
export async function openDatabase(
  config: DatabaseConfig,
  configDir: string,
  options: { applicationName?: string; logger?: Pick<Logger, 'warn'> } = {},
): Promise<Database> {
  if (config.name === 'pglite') {
    const dir = config.args.data_dir;
    return openPglite({ dataDir: isAbsolute(dir) ? dir : resolve(configDir, dir) });
  }
  const a = config.args;
  return openPostgres({
    connectionString: a.connection_string,
    user: a.user,
    password: a.password,
    host: a.host,
    port: a.port,
    database: a.database,
    min: a.cp_min,
    max: a.cp_max,
    applicationName: options.applicationName,
    logger: options.logger,
  });
}
