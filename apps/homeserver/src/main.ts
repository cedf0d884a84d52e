#!/usr/bin/env node
/**
 * Lattice, every role in one process: the default embedded deployment
 * (`npm start`) and small installations.
 */
import { configureSharedEd25519Verifier, createLogger, createMetrics, loadConfig } from '@lattice/core';
import { migrate, openDatabase, startPgliteUpkeep } from '@lattice/storage';
import { createRoomServices } from '@lattice/client-api';
import { registerReplicationMetrics } from '@lattice/replication';
import {
  closeListeners,
  loadOrCreateSigningKey,
  onShutdownSignal,
  parseArgs,
  registerDatabaseMetrics,
  reportStartupError,
  resolveConfigPath,
  startListeners,
} from '@lattice/worker-runtime';
import { ensureDefaultConfig } from './bootstrap/first-run.js';
import { createFederationTransport, registerFederationOutboxMetrics } from '@lattice/federation';
import { handlerForListener } from './homeserver-app.js';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { c: 'config' });
  const configPath = resolveConfigPath(args);
  await ensureDefaultConfig(configPath.path, configPath.isDefault, (line) => console.log(line));

  const config = loadConfig(configPath.path);
  const logger = createLogger({ level: config.log_level, role: 'homeserver' });
  for (const warning of config.warnings ?? []) logger.warn({ configPath: configPath.path }, warning);
  const metrics = createMetrics('homeserver');
  configureSharedEd25519Verifier(config.signature_verify_threads);
  const signingKey = await loadOrCreateSigningKey(config.signing_key_path, logger);

  const db = await openDatabase(config.database, config.config_dir, { logger });
  await migrate(db);
  const federation = createFederationTransport({ config, db, logger }, signingKey);
  // One process is the writer of every stream; the worker split names its instances in config.
  const rooms = await createRoomServices({ db, config, signingKey, instanceName: 'master', logger });
  registerReplicationMetrics(rooms.hub, metrics);
  registerDatabaseMetrics(metrics, db);
  registerFederationOutboxMetrics(metrics, db);
  const stopUpkeep = startPgliteUpkeep(db, logger);

  const listeners = await startListeners(config, handlerForListener({ config, db, logger, signingKey, metrics, rooms, federation }), logger);
  logger.info({ server_name: config.server_name, database: db.kind }, 'Lattice homeserver started');

  onShutdownSignal(async () => {
    await closeListeners(listeners);
    stopUpkeep();
    await rooms.close();
    await db.close();
  }, logger);
}

main().catch(reportStartupError);
