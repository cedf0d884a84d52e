import type { HomeserverConfig, Logger } from '@lattice/core';
import type { ReplicationHub, TypingManager, UserWritePositions } from '@lattice/replication';
import type { EventPersisterApi, RemoteEventsApi, RoomStore } from '@lattice/rooms';
import type { Database } from '@lattice/storage';
import type { DeviceListeners } from './accounts/device-listeners.js';
import type { RemoteMembership } from './routes/rooms/remote-membership.js';
import type { RemoteHierarchySource } from './routes/hierarchy/remote-hierarchy.js';
import type { RemoteQueries } from './routes/directory/remote-queries.js';
import type { RemoteBackfill } from './routes/timeline/remote-backfill.js';
import type { AppserviceAuth } from './http/appservice-hook.js';
import type { RateLimiter } from './http/rate-limiter.js';
import type { IdentityServerClient } from './identity/identity-server-client.js';

/** The room machinery handlers share (issue 3): writes go through the persister, reads through the store. */
export interface RoomServices {
  /** The local EventPersister, or (client-reader of the worker split) a client of the room's owning persister. */
  persister: EventPersisterApi;
  store: RoomStore;
  /** This worker's view of the streams: positions it has seen, update subscriptions. */
  hub: ReplicationHub;
  typing: TypingManager;
  /** Read-your-writes: the latest positions each user wrote (ARCHITECTURE.md §4). */
  userWrites: UserWritePositions;
  /** Federated events' writer when `persister` is a client of another process (worker split). */
  remoteEvents?: RemoteEventsApi;
}

/** What every Client-Server API handler needs; built once by the app that mounts the router. */
export interface ClientApiContext {
  config: HomeserverConfig;
  db: Database;
  logger: Logger;
  rooms: RoomServices;
  /** Told when devices are deleted (end-to-end encryption announces the device list change). */
  devices?: DeviceListeners;
  /** Joins, leaves and invites that need other servers (set when federation is enabled). */
  remoteMembership?: RemoteMembership;
  /** Space children held by other servers, for /hierarchy (set when federation is enabled). */
  remoteHierarchy?: RemoteHierarchySource;
  /** Other servers' room aliases and profiles (set when federation is enabled). */
  remoteQueries?: RemoteQueries;
  /** Older history of rooms joined over federation, for /messages (set when federation is enabled). */
  remoteBackfill?: RemoteBackfill;
  /** Where rate-limit buckets live: Redis in the worker split; default this process's memory (ratelimit/rate-limits.ts). */
  rateLimiter?: RateLimiter;
  /** Users never rate limited (application services registered with `rate_limited: false`). */
  rateLimitExempt?: (userId: string) => boolean;
  /** Application services: as_token authentication, masquerading, M_EXCLUSIVE (set when any are registered). */
  appservices?: AppserviceAuth;
  /** Requests to users' identity servers (third-party invites); default: one under the config's outbound address policy. */
  identityServers?: IdentityServerClient;
}
