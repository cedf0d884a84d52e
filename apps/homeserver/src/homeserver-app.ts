import express from 'express';
import type { RequestListener } from 'node:http';
import type { HomeserverConfig, ListenerConfig, Metrics, SigningKey } from '@lattice/core';
import type { Database } from '@lattice/storage';
import { createClientApiApp } from '@lattice/client-api';
import type { Logger } from 'pino';
import { operationsRouter } from './bootstrap/operations.js';

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
  const clientApp = createClientApiApp({ config: ctx.config, db: ctx.db, logger: ctx.logger, metrics: ctx.metrics });
  return (listener) => {
    if (listener.type === 'metrics') {
      const app = express();
      app.disable('x-powered-by');
      app.use(operationsRouter(ctx.db, ctx.metrics));
      return app;
    }
    const app = express();
    app.disable('x-powered-by');
    app.use(operationsRouter(ctx.db, undefined));
    app.use(clientApp);
    return app;
  };
}
