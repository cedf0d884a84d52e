/**
 * The room machinery of one process: its replication hub (over the given
 * transport; the single process uses the in-process one), the rooms store and
 * persister, typing, and read-your-writes positions. The single-process
 * homeserver and the tests build it the same way, through this function.
 */
import type { HomeserverConfig, Logger, SigningKey } from '@lattice/core';
import {
  InProcessTransport,
  InProcessUserWritePositions,
  TypingManager,
  createReplicationHub,
  type ReplicationHubOptions,
  type ReplicationTransport,
  type UserWritePositions,
} from '@lattice/replication';
import { createRooms } from '@lattice/rooms';
import type { Database } from '@lattice/storage';
import type { RoomServices } from './context.js';

export interface RoomServicesOptions {
  db: Database;
  config: HomeserverConfig;
  signingKey: SigningKey;
  /** This process's name as a stream writer (events.instance_name). */
  instanceName: string;
  logger: Logger;
  transport?: ReplicationTransport;
  /** How long the hub may coalesce writer-position flushes to the database. */
  flushDelayMs?: number;
  /** A split deployment's stream topology (which streams this instance writes, who writes each, row sources). */
  hub?: Pick<ReplicationHubOptions, 'writes' | 'writesTyping' | 'streamWriters' | 'rowSources'>;
  /** Where users' latest write positions are kept (Redis across replicas); default: this process's memory. */
  userWrites?: UserWritePositions;
}

export interface ClosableRoomServices extends RoomServices {
  close(): Promise<void>;
}

export async function createRoomServices(opts: RoomServicesOptions): Promise<ClosableRoomServices> {
  const { db, config, signingKey, instanceName, logger } = opts;
  const transport = opts.transport ?? new InProcessTransport(logger);
  const hub = await createReplicationHub({ db, transport, instanceName, logger, flushDelayMs: opts.flushDelayMs, ...opts.hub });
  const rooms = createRooms({ db, config, signingKey, instanceName, hub, logger });
  const typing = new TypingManager(hub.memoryWriter('typing'));
  return {
    persister: rooms.persister,
    store: rooms.store,
    hub,
    typing,
    userWrites: opts.userWrites ?? new InProcessUserWritePositions(),
    close: async () => {
      typing.close();
      rooms.close();
      await hub.close();
    },
  };
}
