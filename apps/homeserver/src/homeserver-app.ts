import express from 'express';
import type { RequestListener } from 'node:http';
import type { HomeserverConfig, ListenerConfig, Logger, Metrics, SigningKey } from '@lattice/core';
import type { Database } from '@lattice/storage';
import { createClientApiApp } from '@lattice/client-api';
import { operationsRouter } from './bootstrap/operations.js';
import { httpMetrics } from './bootstrap/http-metrics.js';

export interface HomeserverContext {
  config: HomeserverConfig;
  db: Database;
  logger: Logger;
  signingKey: SigningKey;
  metrics: Metrics;
}

/**
 * Every role in one process: which handlers a listener serves follows its
 * `type` and `resources`, as in Synapse's listener configuration.
 */
export function handlerForListener(ctx: HomeserverContext): (listener: ListenerConfig) => RequestListener {
  return (listener) => {
    const app = express();
    app.disable('x-powered-by');
    if (listener.type === 'metrics') {
      app.use(operationsRouter(ctx.db, ctx.metrics));
      return app;
    }
    app.use(httpMetrics(ctx.metrics));
    app.use(operationsRouter(ctx.db, undefined));
    app.use(createClientApiApp({ config: ctx.config, db: ctx.db, logger: ctx.logger }, { trustProxy: listener.x_forwarded }));
    return app;
  };
}
