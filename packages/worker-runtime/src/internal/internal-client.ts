/**
 * The caller side of an internal call (ARCHITECTURE.md §4): POSTs the
 * caller's positions and the arguments to another instance, turns its error
 * answers back into MatrixErrors, and waits (bounded) until this worker has
 * seen the positions the call produced before returning its result.
 */
import { MatrixError } from '@lattice/core';
import type { ReplicationHub, WritePositions } from '@lattice/replication';
import { internalAuthHeader } from './internal-auth.js';
import { postJson, type PostAnswer } from './internal-http.js';
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
  let answer: PostAnswer;
  try {
    const headers = { ...internalAuthHeader(opts.secret), ...requestIdHeader() };
    answer = await postJson(`${opts.urlOf(instance)}${INTERNAL_PREFIX}/${path}`, headers, JSON.stringify(body), opts.timeoutMs);
  } catch (err) {
    // Nothing is known about the outcome: callers retry only what is idempotent (sends carry a txnId).
    throw new MatrixError(503, 'M_UNKNOWN', `instance ${instance} unreachable: ${(err as Error).message}`);
  }
  const payload = parseAnswer<R>(answer.body);
  const ok = answer.status >= 200 && answer.status < 300;
  if (!ok || !payload || !('result' in payload)) {
    throw matrixErrorOf(payload as InternalError | undefined, `instance ${instance} answered ${answer.status}`);
  }
  await opts.hub.waitForPositions(payload.positions, opts.catchUpTimeoutMs);
  return payload.result;
}

/** The MatrixError an internal error stands for; `otherwise` says what happened when there is none. */
export function matrixErrorOf(e: InternalError | undefined, otherwise: string): MatrixError {
  return new MatrixError(e?.status ?? 502, e?.errcode ?? 'M_UNKNOWN', e?.error ?? otherwise, e?.extra ?? {});
}

function parseAnswer<R>(text: string): InternalResponse<R> | InternalError | undefined {
  try {
    return JSON.parse(text) as InternalResponse<R> | InternalError;
  } catch {
    return undefined;
  }
}
