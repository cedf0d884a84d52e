/**
 * A client-api worker of the worker split for tests with several replicas: its
 * own replication hub on a shared PostgreSQL and Redis, writing every durable
 * stream when it is `writer` and none otherwise, served over real HTTP.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, parseConfig } from '@lattice/core';
import { CachesRowSource, DURABLE_STREAMS, RedisTransport, RedisUserWritePositions, type DurableStreamName } from '@lattice/replication';
import type { Database } from '@lattice/storage';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { Router } from 'express';
import { createClientApiApp, createRoomServices, type ClientApiContext } from '@lattice/client-api';
import { TEST_PASSWORD_HASHING_ENV } from '../../../../tests/support/test-password-hashing.js';

export interface ReplicaWorker {
  url: string;
  ctx: ClientApiContext;
  close(): Promise<void>;
}

export interface ReplicaWorkerOptions {
  db: Database;
  redis: Redis;
  /** The Redis namespace the workers share. */
  namespace: string;
  instanceName: string;
  /** The instance writing every durable stream (but those `writers` names). */
  writer: string;
  /** Streams written by another instance than `writer`. */
  writers?: Partial<Record<DurableStreamName, string>>;
  yaml: string;
  /** Mounts the worker's routers after the client API's (given the worker's context). */
  mount(ctx: ClientApiContext, late: Router): void;
}

export async function startReplicaWorker(options: ReplicaWorkerOptions): Promise<ReplicaWorker> {
  const { db, namespace, instanceName, writer } = options;
  const logger = pino({ level: 'silent' });
  const config = parseConfig(options.yaml, { env: TEST_PASSWORD_HASHING_ENV, configDir: '/tmp' });
  const transport = new RedisTransport({ namespace, logger });
  const streamWriters = Object.fromEntries(DURABLE_STREAMS.map((s) => [s, [options.writers?.[s] ?? writer]])) as Record<DurableStreamName, string[]>;
  const writes = DURABLE_STREAMS.filter((s) => streamWriters[s][0] === instanceName);
  const rooms = await createRoomServices({
    db,
    config,
    signingKey: generateSigningKey('a_test'),
    instanceName,
    logger,
    transport,
    flushDelayMs: 1,
    hub: { streamWriters, writes, rowSources: { caches: new CachesRowSource(db) } },
    userWrites: new RedisUserWritePositions({ redis: options.redis, prefix: namespace }),
  });
  const ctx: ClientApiContext = { config, db, logger, rooms };
  const late = Router();
  const server: Server = await new Promise((resolve) => {
    const s = createClientApiApp(ctx, { routers: [late] }).listen(0, '127.0.0.1', () => resolve(s));
  });
  options.mount(ctx, late);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ctx,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rooms.close();
      await transport.close();
    },
  };
}
