/**
 * What every process of the worker split does, in order: read the config
 * (the role fixed by the app, the name by --name / LATTICE_WORKER_NAME),
 * open and migrate the database, load the shared signing key, build the room
 * machinery over Redis, then serve the role's public app, the internal API
 * (instance_map) and /health, /ready, /metrics. A role's main.ts calls this
 * with its role.
 */
import { isIP } from 'node:net';
import type { RequestListener } from 'node:http';
import { apiApp, type ClientApiContext } from '@lattice/client-api';
import { configureSharedEd25519Verifier, createLogger, createMetrics, loadConfig, type HomeserverConfig, type ListenerConfig, type WorkerRole } from '@lattice/core';
import { registerReplicationMetrics } from '@lattice/replication';
import { registerFederationOutboxMetrics } from '@lattice/federation';
import { migrate, openDatabase } from '@lattice/storage';
import { parseArgs, stringFlag } from './bootstrap/args.js';
import { resolveConfigPath } from './bootstrap/config-path.js';
import { httpMetrics } from './bootstrap/http-metrics.js';
import { registerDatabaseMetrics } from './bootstrap/database-metrics.js';
import { closeListeners, startListeners, type BoundListener } from './bootstrap/listeners.js';
import { operationsRouter } from './bootstrap/operations.js';
import { onShutdownSignal } from './bootstrap/shutdown.js';
import { loadSigningKey } from './bootstrap/signing-key.js';
import { requireInternalSecret } from './internal/internal-auth.js';
import { persisterEndpoint } from './internal/persister-endpoint.js';
import { remoteEventsEndpoint } from './internal/remote-events-endpoint.js';
import { presenceEndpoint } from './internal/presence-endpoint.js';
import { eduEndpoint, writtenEduHandlers } from './internal/edu-endpoint.js';
import { senderWakeEndpoint } from './internal/sender-wake-endpoint.js';
import { INTERNAL_PREFIX } from './internal/wire.js';
import { fencingTag } from './topology/fencing-tag.js';
import { roleFeatures, type RoleFeatures } from './roles/role-features.js';
import { ownedDestinations } from './roles/federation-sender-role.js';
import { createWorkerServices, type WorkerServices } from './worker-services.js';

export interface RunningWorker {
  config: HomeserverConfig;
  listeners: BoundListener[];
  stop(): Promise<void>;
}

/** Reads the worker's config: the app's role wins over worker_app, --name over worker_name. */
export function loadWorkerConfig(role: WorkerRole, argv: string[], env: NodeJS.ProcessEnv = process.env): HomeserverConfig {
  const args = parseArgs(argv, { c: 'config', n: 'name' });
  const name = stringFlag(args, 'name');
  const configured = env.LATTICE_WORKER_APP ?? env.LATTICE_ROLE;
  if (configured && configured !== role) throw new Error(`this is the ${role} app, but LATTICE_WORKER_APP/LATTICE_ROLE says ${configured}`);
  const overrides = { LATTICE_WORKER_APP: role, ...(name ? { LATTICE_WORKER_NAME: name } : {}) };
  return loadConfig(resolveConfigPath(args, env).path, { ...env, ...overrides });
}

export async function runWorker(role: WorkerRole, argv: string[] = process.argv.slice(2)): Promise<RunningWorker> {
  const config = loadWorkerConfig(role, argv);
  const name = config.worker_name!;
  const logger = createLogger({ level: config.log_level, role }).child({ instance: name });
  for (const warning of config.warnings ?? []) logger.warn(warning);
  const metrics = createMetrics(role);
  configureSharedEd25519Verifier(config.signature_verify_threads);

  const applicationName = fencingTag(config);
  const db = await openDatabase(config.database, config.config_dir, { applicationName, logger });
  await migrate(db);
  const signingKey = await loadSigningKey(config.signing_key_path);
  const services = await createWorkerServices({
    config,
    db,
    signingKey,
    logger,
    applicationName,
    replicationDelay: (seconds) => metrics.observeReplicationDelay(seconds),
  });
  const offMetrics = registerReplicationMetrics(services.rooms.hub, metrics);
  const offDbMetrics = registerDatabaseMetrics(metrics, db);
  // Each sender reports its own destinations' backlog: the sum over instances is the server's.
  const offOutboxMetrics = role === 'federation-sender' ? registerFederationOutboxMetrics(metrics, db, { owns: ownedDestinations(config) }) : () => undefined;

  const ctx: ClientApiContext = { config, db, logger, rooms: services.rooms, rateLimiter: services.rateLimiter };
  const features = roleFeatures(role, ctx, signingKey);
  const handlerFor = (listener: ListenerConfig): RequestListener => {
    if (listener.type === 'metrics') return apiApp({ leading: [operationsRouter(db, metrics, services.readiness)] });
    const options = { trustProxy: listener.x_forwarded, leading: [httpMetrics(metrics), operationsRouter(db, undefined, services.readiness)] };
    return features.publicApp ? features.publicApp(options) : apiApp(options);
  };
  const listeners = await startListeners(config, handlerFor, logger);
  listeners.push(...(await startInternalListener(ctx, services, features)));
  logger.info({ role, instance: name, server_name: config.server_name }, 'Lattice worker started');

  const stop = async () => {
    await closeListeners(listeners);
    await features.close();
    offMetrics();
    offDbMetrics();
    offOutboxMetrics();
    await services.rooms.close();
    metrics.close();
    await db.close();
  };
  onShutdownSignal(stop, logger);
  return { config, listeners, stop };
}

/** The internal API listener of an instance named in instance_map (event persisters answer sends on it). */
async function startInternalListener(
  ctx: ClientApiContext,
  services: WorkerServices,
  { presence, federationSender }: Pick<RoleFeatures, 'presence' | 'federationSender'>,
): Promise<BoundListener[]> {
  const { config, db, logger } = ctx;
  const location = config.instance_map[config.worker_name!];
  if (!location) return [];
  const app = apiApp();
  app.use(operationsRouter(db, undefined, services.readiness));
  if (services.localPersister) {
    app.use(
      // Federated events of this persister's rooms, handed over by federation-inbound and client readers
      // (first: a send_join answer is far larger than the send bodies the persister endpoint accepts).
      remoteEventsEndpoint({
        remote: services.localPersister.remote,
        hub: services.rooms.hub,
        instanceName: config.worker_name!,
        persisters: config.stream_writers.events,
        secret: config.worker_replication_secret!,
        logger,
      }),
      persisterEndpoint({
        persister: services.localPersister,
        hub: services.rooms.hub,
        userWrites: services.rooms.userWrites,
        instanceName: config.worker_name!,
        persisters: config.stream_writers.events,
        secret: config.worker_replication_secret!,
        logger,
        maxBodyBytes: config.max_request_body_size,
      }),
    );
  }
  if (presence && services.rooms.hub.writes('presence')) {
    // Presence changes of the users this writer keeps, forwarded by the other workers.
    app.use(
      presenceEndpoint({
        presence,
        hub: services.rooms.hub,
        userWrites: services.rooms.userWrites,
        instanceName: config.worker_name!,
        writers: config.stream_writers.presence,
        secret: config.worker_replication_secret!,
        logger,
      }),
    );
  }
  if (federationSender) {
    // Destinations that just talked to federation-inbound: retried now.
    app.use(senderWakeEndpoint({ sender: federationSender, hub: services.rooms.hub, secret: config.worker_replication_secret!, logger }));
  }
  const edus = writtenEduHandlers(ctx);
  if (edus.size > 0) {
    // Typing and presence EDUs of other servers, forwarded by federation-inbound to the writer of their stream.
    app.use(eduEndpoint({ handlers: edus, hub: services.rooms.hub, secret: config.worker_replication_secret!, logger }));
  }
  app.use(INTERNAL_PREFIX, requireInternalSecret(config.worker_replication_secret!), (_req, res) => {
    res.status(404).json({ errcode: 'M_UNRECOGNIZED', error: 'Unknown internal endpoint' });
  });
  const internal: ListenerConfig = {
    port: location.port,
    // An address in instance_map is bound as is; a host name (docker, k8s) means every interface.
    bind_addresses: [isIP(location.host) ? location.host : '0.0.0.0'],
    type: 'http',
    tls: false,
    x_forwarded: false,
    resources: [{ names: ['replication'] }],
  };
  return startListeners({ ...config, listeners: [internal] }, () => app, logger);
}
