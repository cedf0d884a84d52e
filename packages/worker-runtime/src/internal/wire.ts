/**
 * What internal calls put on the wire (ARCHITECTURE.md §4: internal calls
 * carry the caller's positions and return the callee's, like client tokens).
 */
import type { WritePositions } from '@lattice/replication';

/** The base path of the internal API on every instance's internal listener. */
export const INTERNAL_PREFIX = '/_lattice/internal/v1';

export interface InternalRequest<T> {
  /** Positions the caller has seen (or its user wrote): the callee catches up with them before acting. */
  positions: WritePositions;
  args: T;
}

export interface InternalResponse<T> {
  result: T;
  /** Positions the call produced: the caller waits until it has seen them before answering its client. */
  positions: WritePositions;
}

/** A MatrixError crossing an internal call (status, errcode, message, extra fields). */
export interface InternalError {
  status: number;
  errcode: string;
  error: string;
  extra?: Record<string, unknown>;
}

/** One item's outcome in a batched call: each item succeeds or fails on its own. */
export type InternalOutcome<T> = { result: T } | { error: InternalError };
