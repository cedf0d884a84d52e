import type { HomeserverConfig, Logger } from '@lattice/core';
import type { ReplicationHub, TypingManager, UserWritePositions } from '@lattice/replication';
import type { EventPersister, RoomStore } from '@lattice/rooms';
import type { Database } from '@lattice/storage';

/** The room machinery handlers share (issue 3): writes go through the persister, reads through the store. */
export interface RoomServices {
  persister: EventPersister;
  store: RoomStore;
  /** This worker's view of the streams: positions it has seen, update subscriptions. */
  hub: ReplicationHub;
  typing: TypingManager;
  /** Read-your-writes: the latest positions each user wrote (ARCHITECTURE.md §4). */
  userWrites: UserWritePositions;
}

/** What every Client-Server API handler needs; built once by the app that mounts the router. */
export interface ClientApiContext {
  config: HomeserverConfig;
  db: Database;
  logger: Logger;
  rooms: RoomServices;
}
