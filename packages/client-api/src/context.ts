import type { HomeserverConfig } from '@lattice/core';
import type { Database } from '@lattice/storage';
import type { Logger } from '@lattice/core';

/** What every Client-Server API handler needs; built once by the app that mounts the router. */
export interface ClientApiContext {
  config: HomeserverConfig;
  db: Database;
  logger: Logger;
}
