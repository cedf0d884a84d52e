/** The room machinery of one process over a test database, built exactly as the homeserver builds it. */
import { generateSigningKey, type HomeserverConfig, type Logger } from '@lattice/core';
import type { Database } from '@lattice/storage';
import { createRoomServices, type ClosableRoomServices } from '../../src/room-services.js';

export const TEST_INSTANCE = 'master';

export type TestRoomServices = ClosableRoomServices;

export function createTestRoomServices(db: Database, config: HomeserverConfig, logger: Logger): Promise<TestRoomServices> {
  return createRoomServices({ db, config, signingKey: generateSigningKey('a_test'), instanceName: TEST_INSTANCE, logger, flushDelayMs: 5 });
}
