/**
 * The client-api benches' server: a fresh database of the given kind, the room
 * services, an app on an ephemeral port, and `base` (the v3 prefix's URL).
 */
import type { AddressInfo } from 'node:net';
import { createClientApiApp, createRoomServices, type ClientApiAppOptions, type ClientApiContext } from '@lattice/client-api';
import { generateSigningKey, parseConfig } from '@lattice/core';
import { createTestDatabase } from '@lattice/storage';
import { pino } from 'pino';
import { BENCH_RATE_LIMITS } from './bench-rate-limits.js';

export interface BenchServer {
  ctx: ClientApiContext;
  base: string;
  close(): Promise<void>;
}

export async function startBenchServer(kind: 'pglite' | 'postgres', app?: (ctx: ClientApiContext) => ClientApiAppOptions): Promise<BenchServer> {
  const db = await createTestDatabase(kind);
  const logger = pino({ level: 'silent' });
  const config = parseConfig(`server_name: bench.local\n${BENCH_RATE_LIMITS}`, { env: {} });
  const rooms = await createRoomServices({ db, config, signingKey: generateSigningKey('bench'), instanceName: 'bench', logger });
  const ctx: ClientApiContext = { config, db, logger, rooms };
  const server = createClientApiApp(ctx, app?.(ctx)).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    ctx,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/_matrix/client/v3`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rooms.close();
      await db.close();
    },
  };
}
