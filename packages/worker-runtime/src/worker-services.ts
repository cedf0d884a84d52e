/**
 * The room machinery of one split worker (ARCHITECTURE.md §4): a replication
 * hub over Redis that writes exactly the streams stream_writers gives this
 * instance, reads missed rows back from PostgreSQL, the room store, the
 * persister (local on an event persister, remote everywhere else), typing and
 * read-your-writes positions in Redis. The split's counterpart of
 * @lattice/client-api's createRoomServices.
 */
import { loadOnUse, type HomeserverConfig, type Logger, type SigningKey } from '@lattice/core';
import type { ClosableRoomServices } from '@lattice/client-api';
import {
  CachesRowSource,
  DURABLE_STREAMS,
  EventsRowSource,
  RedisTransport,
  RedisUserWritePositions,
  RequestScopedUserWrites,
  TypingManager,
  createReplicationHub,
  type ReplicationHub,
} from '@lattice/replication';
import { createRooms, type EventPersister } from '@lattice/rooms';
import { streamWriterPositions, type Database } from '@lattice/storage';
import type { RedisOptions } from 'ioredis';
import type { ReadinessCheck } from './bootstrap/operations.js';
import { RemoteEventPersister } from './internal/remote-persister.js';
import { RemoteEventsClient } from './internal/remote-events-client.js';
import { TypingFollower } from './typing-follower.js';
import { RedisRateLimiter } from './ratelimit/redis-rate-limiter.js';
import { instanceUrl } from './topology/instance-url.js';
import { configuredStreamWriters, streamsWrittenBy } from './topology/stream-writers.js';

const ioredis = loadOnUse<typeof import('ioredis')>('ioredis');

export interface WorkerServices {
  rooms: ClosableRoomServices;
  /** The local persister, on an event persister only (its internal API serves it). */
  localPersister: EventPersister | undefined;
  /** /ready conditions beyond the database: Redis answers, replication caught up. */
  readiness: ReadinessCheck[];
  /** Rate-limit buckets shared by every replica (closed with the room services). */
  rateLimiter: RedisRateLimiter;
}

export interface WorkerServicesOptions {
  config: HomeserverConfig;
  db: Database;
  signingKey: SigningKey;
  logger: Logger;
  /** The application_name of this process's connections (fencingTag): enables stream-writer fencing. */
  applicationName?: string;
  /** Told how long each replication message took to arrive (the metrics' histogram). */
  replicationDelay?: (seconds: number) => void;
}

export function redisOptions(config: HomeserverConfig): RedisOptions {
  const { host, port, password, dbid } = config.redis;
  return { host, port, ...(password ? { password } : {}), ...(dbid !== undefined ? { db: dbid } : {}) };
}

export async function createWorkerServices(opts: WorkerServicesOptions): Promise<WorkerServices> {
  const { config, db, signingKey, logger, applicationName, replicationDelay } = opts;
  const instanceName = config.worker_name!;
  const namespace = `lattice:${config.server_name}`;
  const transport = new RedisTransport({ redis: redisOptions(config), namespace, logger, ...(replicationDelay ? { onDelay: replicationDelay } : {}) });
  // Auto-pipelined: the commands of requests handled in one event-loop turn share one write (a system call each).
  const redis = new (ioredis().Redis)({ ...redisOptions(config), lazyConnect: false, enableAutoPipelining: true });
  redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));
  const writesTyping = config.stream_writers.typing.includes(instanceName);
  const hub = await createReplicationHub({
    db,
    transport,
    instanceName,
    logger,
    writes: streamsWrittenBy(config, instanceName),
    writesTyping,
    streamWriters: configuredStreamWriters(config),
    // Missed rows are read back from PostgreSQL for the streams whose rows readers act on.
    rowSources: { events: new EventsRowSource(db), caches: new CachesRowSource(db) },
    ...(applicationName ? { fencing: { applicationName } } : {}),
  });
  await announceClaims(hub, transport);
  const rooms = createRooms({ db, config, signingKey, instanceName, hub, logger });
  // Recorded on the replication publisher's connection: stored before the write is announced (persister-endpoint.ts).
  const userWrites = new RequestScopedUserWrites(
    new RedisUserWritePositions({ redis, recordsVia: transport.publisherConnection, prefix: namespace }),
  );
  const rateLimiter = new RedisRateLimiter({ redis: redisOptions(config), prefix: namespace, logger });
  const isPersister = config.worker_app === 'event-persister';
  const persister = isPersister
    ? rooms.persister
    : new RemoteEventPersister({
        persisters: config.stream_writers.events,
        urlOf: (instance) => instanceUrl(config, instance),
        secret: config.worker_replication_secret!,
        hub,
        userWrites,
      });
  // Federated events of a room go to its owning persister too (a send_join answer can take a while to write).
  const remoteEvents = isPersister
    ? undefined
    : new RemoteEventsClient(
        { urlOf: (instance) => instanceUrl(config, instance), secret: config.worker_replication_secret!, hub, timeoutMs: 300_000, catchUpTimeoutMs: 10_000 },
        config.stream_writers.events,
      );
  const typingWriter = config.stream_writers.typing[0]!;
  const typing = writesTyping ? new TypingManager(hub.memoryWriter('typing')) : new TypingFollower(hub, typingWriter);
  return {
    rooms: {
      persister,
      store: rooms.store,
      hub,
      typing,
      userWrites,
      ...(remoteEvents ? { remoteEvents } : {}),
      close: async () => {
        typing.close();
        rooms.close();
        await hub.close();
        await transport.close();
        await redis.quit().catch(() => redis.disconnect());
        await rateLimiter.close();
      },
    },
    localPersister: isPersister ? rooms.persister : undefined,
    rateLimiter,
    readiness: [
      async () => ((await redis.ping().catch(() => undefined)) === 'PONG' ? undefined : 'redis unavailable'),
      replicationCaughtUp(db, hub, logger),
    ],
  };
}

/**
 * A writer's start-up claim moves its position without a row; workers already
 * running would hold the stream's safe position at its old value until its
 * first write. Announcing (and storing) the claim at once lets them move on.
 */
async function announceClaims(hub: ReplicationHub, transport: RedisTransport): Promise<void> {
  for (const stream of DURABLE_STREAMS) {
    if (!hub.writes(stream)) continue;
    const writer = hub.writer(stream);
    await writer.flush();
    transport.publish({ stream, instance: hub.instanceName, position: writer.persistedUpTo, rows: [] });
  }
}

/**
 * Readiness: for every stream, this worker has seen at least what each writer
 * it follows last stored in stream_positions (stored positions trail the
 * announced ones). When behind, it catches up from the database (missed rows
 * read back; idle writers' positions taken over), so the next probe passes.
 */
function replicationCaughtUp(db: Database, hub: ReplicationHub, logger: Logger): ReadinessCheck {
  let catchingUp: Promise<void> | undefined;
  return async () => {
    const behind: string[] = [];
    for (const stream of DURABLE_STREAMS) {
      for (const [instance, stored] of await streamWriterPositions(db, stream)) {
        if (!hub.positions.writers(stream).has(instance)) continue;
        const seen = hub.positions.writerPosition(stream, instance);
        if (seen < stored) behind.push(`${stream}/${instance} seen ${seen} < stored ${stored}`);
      }
    }
    if (behind.length === 0) return undefined;
    catchingUp ??= hub
      .catchUp()
      .catch((err: unknown) => logger.warn({ err }, 'replication catch-up failed'))
      .finally(() => (catchingUp = undefined));
    return `replication behind: ${behind.join(', ')}`;
  };
}
