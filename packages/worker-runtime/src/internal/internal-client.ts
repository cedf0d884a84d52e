/**
 * The caller side of an internal call (ARCHITECTURE.md §4): POSTs the
 * caller's positions and the arguments to another instance, turns its error
 * answers back into MatrixErrors, and waits (bounded) until this worker has
 * seen the positions the call produced before returning its result.
 */
import { MatrixError } from '@lattice/core';
import type { ReplicationHub, WritePositions } from '@lattice/replication';
import { internalAuthHeader } from './internal-auth.js';
import { requestIdHeader } from './request-id.js';
import { INTERNAL_PREFIX, type InternalError, type InternalRequest, type InternalResponse } from './wire.js';

export interface InternalClientOptions {
  /** Base URL of an instance's internal listener. */
  urlOf: (instance: string) => string;
  secret: string;
  hub: ReplicationHub;
  /** Bound on one call. */
  timeoutMs: number;
  /** Bound on waiting to see the call's positions. */
  catchUpTimeoutMs: number;
}

export async function internalCall<A, R>(
  opts: InternalClientOptions,
  instance: string,
  path: string,
  positions: WritePositions,
  args: A,
): Promise<R> {
  const body: InternalRequest<A> = { positions, args };
  let response: Response;
  try {
    response = await fetch(`${opts.urlOf(instance)}${INTERNAL_PREFIX}/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...internalAuthHeader(opts.secret), ...requestIdHeader() },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    // Nothing is known about the outcome: callers retry only what is idempotent (sends carry a txnId).
    throw new MatrixError(503, 'M_UNKNOWN', `instance ${instance} unreachable: ${(err as Error).message}`);
  }
  const payload = (await response.json().catch(() => undefined)) as InternalResponse<R> | InternalError | undefined;
  if (!response.ok || !payload || !('result' in payload)) {
    const e = payload as InternalError | undefined;
    throw new MatrixError(e?.status ?? 502, e?.errcode ?? 'M_UNKNOWN', e?.error ?? `instance ${instance} answered ${response.status}`, e?.extra ?? {});
  }
  await opts.hub.waitForPositions(payload.positions, opts.catchUpTimeoutMs);
  return payload.result;
}
