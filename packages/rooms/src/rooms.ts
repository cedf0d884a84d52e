/** Wiring: one RoomStore and one EventPersister sharing it, for an app's context. */
import type { RoomsContext } from './api.js';
import { EventPersister } from './persister.js';
import { RoomStore } from './store.js';

export interface Rooms {
  store: RoomStore;
  persister: EventPersister;
  close(): void;
}

export function createRooms(ctx: RoomsContext): Rooms {
  const store = new RoomStore(ctx.db, ctx.hub);
  const persister = new EventPersister(ctx, store);
  return { store, persister, close: () => store.close() };
}
