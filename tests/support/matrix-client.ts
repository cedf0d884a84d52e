import { ClientEvent, SyncState, createClient, type ICreateClientOpts, type IStartClientOpts, type MatrixClient } from 'matrix-js-sdk';
import { logger } from 'matrix-js-sdk/lib/logger.js';

// The SDK logs every HTTP request at debug level; test output should show failures, not traffic.
(logger as unknown as { setLevel(level: string): void }).setLevel('warn');

/** A matrix-js-sdk client for a server under test. */
export function matrixClient(baseUrl: string, extra: Partial<ICreateClientOpts> = {}): MatrixClient {
  return createClient({ baseUrl, ...extra });
}

/** Starts the client's /sync loop and resolves once the initial sync is prepared (rejects if it fails). */
export async function startSyncing(client: MatrixClient, opts: IStartClientOpts = { initialSyncLimit: 10 }): Promise<void> {
  const prepared = new Promise<void>((resolve, reject) => {
    client.on(ClientEvent.Sync, (state: SyncState) => {
      if (state === SyncState.Prepared) resolve();
      if (state === SyncState.Error) reject(new Error(`${client.getUserId()}: initial sync failed`));
    });
  });
  await client.startClient(opts);
  await prepared;
}
