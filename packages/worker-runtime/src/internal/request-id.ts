/**
 * One request id across workers: an internal call carries the id of the
 * client request it serves (X-Request-Id), and the callee handles and logs it
 * under the same id (client-api's requestContext honours the header), so one
 * grep follows a send from the client reader into the event persister.
 */
import { currentRequestId } from '@lattice/core';

export const REQUEST_ID_HEADER = 'x-request-id';

/** The header for an outgoing internal call, when it is made while handling a request. */
export function requestIdHeader(): Record<string, string> {
  const id = currentRequestId();
  return id === undefined ? {} : { [REQUEST_ID_HEADER]: id };
}
