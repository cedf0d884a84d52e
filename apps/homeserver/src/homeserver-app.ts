import express from 'express';
import type { RequestListener } from 'node:http';
import type { HomeserverConfig, ListenerConfig, Logger, Metrics, SigningKey } from '@lattice/core';
import type { Database } from '@lattice/storage';
import { createClientApiApp, type RoomServices } from '@lattice/client-api';
import { syncRouter } from '@lattice/sync';
import { MediaRepository, mediaRouter, previewRouter } from '@lattice/media';
import { operationsRouter } from './bootstrap/operations.js';
import { httpMetrics } from './bootstrap/http-metrics.js';

export interface HomeserverContext {
  config: HomeserverConfig;
  db: Database;
  logger: Logger;
  signingKey: SigningKey;
  metrics: Metrics;
  rooms: RoomServices;
}

/**
 * Every role in one process: which handlers a listener serves follows its
 * `type` and `resources`, as in Synapse's listener configuration.
 */
export function handlerForListener(ctx: HomeserverContext): (listener: ListenerConfig) => RequestListener {
  // Built once: these routers hold per-process state (sync caches, media upload waiters).
  const clientCtx = { config: ctx.config, db: ctx.db, logger: ctx.logger, rooms: ctx.rooms };
  const media = new MediaRepository(ctx.db, ctx.config.media_store_path, ctx.config.max_upload_size);
  const routers = [syncRouter(clientCtx), mediaRouter(clientCtx, media), previewRouter(clientCtx, { media })];
  return (listener) => {
    const app = express();
    app.disable('x-powered-by');
    if (listener.type === 'metrics') {
      app.use(operationsRouter(ctx.db, ctx.metrics));
      return app;
    }
    app.use(httpMetrics(ctx.metrics));
    app.use(operationsRouter(ctx.db, undefined));
    app.use(createClientApiApp(clientCtx, { trustProxy: listener.x_forwarded, routers }));
    return app;
  };
}
