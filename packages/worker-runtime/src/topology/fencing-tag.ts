import { randomBytes } from 'node:crypto';
import type { HomeserverConfig } from '@lattice/core';
import { writerApplicationName } from '@lattice/storage';

/**
 * The application_name this process's PostgreSQL connections carry: its
 * instance and a fresh incarnation, by which other workers tell whether a
 * stream writer still has open transactions (stream-writer fencing,
 * @lattice/replication's StalledWriters). Undefined on PGlite (one process).
 */
export function fencingTag(config: HomeserverConfig): string | undefined {
  if (config.database.name === 'pglite') return undefined;
  const instance = config.worker_name!;
  const tag = writerApplicationName(instance, randomBytes(4).toString('hex'));
  if (!tag) {
    throw new Error(`worker name ${JSON.stringify(instance)} must be printable ASCII of at most 46 characters (it tags its database connections)`);
  }
  return tag;
}
