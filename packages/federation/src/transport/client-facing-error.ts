/**
 * How a failed request to another server reaches the local client that caused
 * it: the remote's own 4xx error passes through (its errcode tells the client
 * what was wrong), anything else (unreachable, 5xx) is 502 M_UNKNOWN.
 */
import { MatrixError } from '@lattice/core';
import { FederationRequestError } from '../api.js';

export function asClientError(err: unknown): Error {
  if (err instanceof FederationRequestError) {
    if (err.status !== undefined && err.status >= 400 && err.status < 500 && err.errcode !== undefined) {
      return new MatrixError(err.status, err.errcode, err.message);
    }
    return new MatrixError(502, 'M_UNKNOWN', `Could not reach ${err.destination}: ${err.message}`);
  }
  return err as Error;
}

/** Whether the remote answered that the thing asked for does not exist. */
export function isRemoteNotFound(err: unknown): boolean {
  return err instanceof FederationRequestError && err.status === 404;
}
