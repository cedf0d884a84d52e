/**
 * A user registered through the client API (the dummy UIA stage) whose
 * matrix-js-sdk client is running its /sync loop, ready once the initial
 * sync is prepared. Needs enable_registration(+_without_verification).
 */
import { ClientEvent, SyncState, type IStartClientOpts, type MatrixClient } from 'matrix-js-sdk';
import { matrixClient } from './matrix-client.js';

export async function registeredSyncingClient(
  baseUrl: string,
  username: string,
  startOpts: IStartClientOpts = { initialSyncLimit: 5 },
): Promise<MatrixClient> {
  const password = 'pw pw pw pw';
  const anon = matrixClient(baseUrl);
  // The first request answers 401 with the UIA session to complete.
  let session: string | undefined;
  try {
    await anon.registerRequest({ username, password });
  } catch (err) {
    session = (err as { data?: { session?: string } }).data?.session;
  }
  const reg = await anon.register(username, password, session ?? null, { type: 'm.login.dummy' });
  const client = matrixClient(baseUrl, { accessToken: reg.access_token, userId: reg.user_id, deviceId: reg.device_id });
  const prepared = new Promise<void>((resolve, reject) => {
    client.on(ClientEvent.Sync, (state: SyncState) => {
      if (state === SyncState.Prepared) resolve();
      if (state === SyncState.Error) reject(new Error(`${username}: initial sync failed`));
    });
  });
  await client.startClient(startOpts);
  await prepared;
  return client;
}
