/**
 * The rooms package's writer for federated events. It runs where the room's
 * EventPersister runs (its per-room queue serialises remote and local
 * writes): in-process in the single process and on event persisters; a worker
 * whose persister is a client of another process writes through
 * `rooms.remoteEvents`, a client of the room's owning persister.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { EventPersister, type RemoteEventsApi } from '@lattice/rooms';

export function remoteEventsOf(ctx: ClientApiContext): RemoteEventsApi {
  const { persister, remoteEvents } = ctx.rooms;
  if (persister instanceof EventPersister) return persister.remote;
  if (remoteEvents !== undefined) return remoteEvents;
  throw new Error('federated events need the in-process EventPersister or a client of the owning persister');
}
