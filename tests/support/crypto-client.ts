/**
 * matrix-js-sdk clients with their Rust crypto (@matrix-org/matrix-sdk-crypto-wasm,
 * in-memory stores) for the end-to-end encryption tests, and the checks those
 * tests make: a message decrypts to its body, as an encrypted event.
 */
import { ClientEvent, EventType, SyncState, type ICreateClientOpts, type MatrixClient, type MatrixEvent, type Room } from 'matrix-js-sdk';
import { matrixClient } from './matrix-client.js';
import { eventually } from './wait.js';

export interface LoginCredentials {
  access_token: string;
  user_id: string;
  device_id: string;
}

/** Crypto clients started so far; stop them in afterAll. */
export const cryptoClients: MatrixClient[] = [];

/** A client on `baseUrl` with Rust crypto, syncing, resolved once its initial sync is prepared. */
export async function startCryptoClient(baseUrl: string, creds: LoginCredentials, extra: Partial<ICreateClientOpts> = {}): Promise<MatrixClient> {
  const client = matrixClient(baseUrl, { accessToken: creds.access_token, userId: creds.user_id, deviceId: creds.device_id, ...extra });
  cryptoClients.push(client);
  await client.initRustCrypto({ useIndexedDB: false });
  const prepared = new Promise<void>((resolve, reject) => {
    client.on(ClientEvent.Sync, (state: SyncState) => {
      if (state === SyncState.Prepared) resolve();
      if (state === SyncState.Error) reject(new Error(`${creds.user_id}: initial sync failed`));
    });
  });
  await client.startClient({ initialSyncLimit: 20 });
  await prepared;
  return client;
}

/** Registers `username` (dummy auth) and starts a crypto client for the new device. */
export async function registerCryptoClient(baseUrl: string, username: string, password: string, extra: Partial<ICreateClientOpts> = {}): Promise<MatrixClient> {
  const anon = matrixClient(baseUrl);
  const uia = (await anon.registerRequest({ username, password }).catch((e: { data: { session: string } }) => e.data)) as { session: string };
  const reg = await anon.register(username, password, uia.session, { type: 'm.login.dummy' });
  return startCryptoClient(baseUrl, { access_token: reg.access_token!, user_id: reg.user_id, device_id: reg.device_id! }, extra);
}

export function messages(room: Room | null): MatrixEvent[] {
  return (room?.getLiveTimeline().getEvents() ?? []).filter((e) => e.getType() === EventType.RoomMessage || e.isEncrypted());
}

/** The decrypted body of the message with this event id, once the client has decrypted it. */
function decryptedBody(client: MatrixClient, roomId: string, eventId: string): string | undefined {
  const event = messages(client.getRoom(roomId)).find((e) => e.getId() === eventId);
  if (!event || event.isBeingDecrypted() || event.isDecryptionFailure()) return undefined;
  return event.getClearContent()?.body as string | undefined;
}

/** The client decrypts the event to `body`, and the event came encrypted. */
export async function expectDecrypts(client: MatrixClient, roomId: string, eventId: string, body: string): Promise<void> {
  await eventually(`${client.getUserId()}/${client.getDeviceId()} decrypts ${eventId}`, () => decryptedBody(client, roomId, eventId) === body, 30_000).catch(
    (e: Error) => {
      const event = messages(client.getRoom(roomId)).find((ev) => ev.getId() === eventId);
      throw new Error(`${e.message}; event: ${JSON.stringify({ found: !!event, encrypted: event?.isEncrypted(), failure: event?.decryptionFailureReason })}`);
    },
  );
  const event = messages(client.getRoom(roomId)).find((e) => e.getId() === eventId)!;
  expect(event.isEncrypted()).toBe(true);
  expect(event.getWireType()).toBe('m.room.encrypted');
}
