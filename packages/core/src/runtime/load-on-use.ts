/**
 * Packages only some deployments use (ioredis and bullmq serve the worker
 * split; the embedded single process never connects to Redis) are loaded the
 * first time they are needed rather than at start: together they are about
 * 35 MiB of resident memory the single process would carry for nothing.
 * Both are CommonJS, so a synchronous require works from ESM.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function loadOnUse<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(specifier) as T);
}
