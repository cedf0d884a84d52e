import { isAbsolute, resolve } from 'node:path';
import type { DatabaseConfig, Logger } from '@lattice/core';
import type { Database } from './database.js';
import { openPglite } from './drivers/pglite.js';
import { openPostgres } from './drivers/postgres.js';

/**
 * How long a server keeps a connection it no longer needs (connections up to cp_min always stay; cp_max
 * still bounds the pool). pg-pool's default, 10 s, closed a load spike's connections whenever the next
 * burst came more than 10 s later, and each one reopened is a new PostgreSQL backend (fork,
 * authentication, cold catalog caches) whose hot statements are prepared again: in the worker split,
 * 50 senders after 12 s of quiet opened ~45 backends in 8 s and sent 12% fewer events/s than after no pause.
 */
export const SERVER_IDLE_CONNECTION_MS = 5 * 60_000;

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
    idleTimeoutMs: SERVER_IDLE_CONNECTION_MS,
    applicationName: options.applicationName,
    logger: options.logger,
  });
}
