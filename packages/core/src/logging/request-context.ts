/**
 * Request ids and the per-request context that carries them, so a log line
 * written anywhere while a request is handled names that request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

export interface RequestContext {
  request_id: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

// A random per-process prefix plus a counter: unique across replicas without a random draw per request.
const processTag = randomBytes(4).toString('hex');
let counter = 0;

/** A new id such as "GET-9f2c1a0b-1f", unique across processes; the method prefix mirrors Synapse's ids. */
export function newRequestId(method?: string): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  const id = `${processTag}-${counter.toString(36)}`;
  return method ? `${method.toUpperCase()}-${id}` : id;
}

/** Run `fn` (and everything it awaits) as part of the request `requestId`. */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ request_id: requestId }, fn);
}

/** The id of the request being handled, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.request_id;
}
