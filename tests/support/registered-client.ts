/**
 * A user registered through the client API (the dummy UIA stage) whose
 * matrix-js-sdk client is running its /sync loop, ready once the initial
 * sync is prepared. Needs enable_registration(+_without_verification).
 */
import type { ICreateClientOpts, IStartClientOpts, MatrixClient } from 'matrix-js-sdk';
import { matrixClient, startSyncing } from './matrix-client.js';

export async function registeredSyncingClient(
  baseUrl: string,
  username: string,
  startOpts: IStartClientOpts = { initialSyncLimit: 5 },
  clientOpts: Partial<ICreateClientOpts> = {},
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
  const client = matrixClient(baseUrl, { ...clientOpts, accessToken: reg.access_token, userId: reg.user_id, deviceId: reg.device_id });
  await startSyncing(client, startOpts);
  return client;
}
