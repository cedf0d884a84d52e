import { createClient, type ICreateClientOpts, type MatrixClient } from 'matrix-js-sdk';
import { logger } from 'matrix-js-sdk/lib/logger.js';

// The SDK logs every HTTP request at debug level; test output should show failures, not traffic.
logger.setLevel('warn');

/** A matrix-js-sdk client for a server under test. */
export function matrixClient(baseUrl: string, extra: Partial<ICreateClientOpts> = {}): MatrixClient {
  return createClient({ baseUrl, ...extra });
}
