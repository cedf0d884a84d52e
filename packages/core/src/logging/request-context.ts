/**
 * Request ids and the per-request context that carries them, so a log line
 * written anywhere while a request is handled names that request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

export interface RequestContext {
  request_id: string;
  /** Values computed once per request (requestMemo). */
  memo?: Map<string, unknown>;
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

/**
 * `compute()`'s value, computed once per request under `key` (a later call in
 * the same request gets the same value, a promise included); outside a
 * request, computed on every call.
 */
export function requestMemo<T>(key: string, compute: () => T): T {
  const context = storage.getStore();
  if (!context) return compute();
  context.memo ??= new Map();
  if (context.memo.has(key)) return context.memo.get(key) as T;
  const value = compute();
  context.memo.set(key, value);
  return value;
}

/** Replaces the value requestMemo keeps under `key` for the current request, if it keeps one. */
export function updateRequestMemo<T>(key: string, update: (current: T) => T): void {
  const memo = storage.getStore()?.memo;
  if (memo?.has(key)) memo.set(key, update(memo.get(key) as T));
}
