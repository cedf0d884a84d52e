/**
 * The rooms package's writer for federated events. It runs where the rooms'
 * EventPersister runs (its per-room queue serialises remote and local
 * writes), so federation needs that in-process persister; a worker whose
 * persister is a client of another process cannot take federated events yet.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { EventPersister, type RemoteEventPersister } from '@lattice/rooms';

export function remoteEventsOf(ctx: ClientApiContext): RemoteEventPersister {
  const { persister } = ctx.rooms;
  if (persister instanceof EventPersister) return persister.remote;
  throw new Error('federated events need the in-process EventPersister (the event-persister role)');
}
