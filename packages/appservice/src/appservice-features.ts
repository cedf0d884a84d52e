/**
 * How a process mounts application services: the auth hook on the client
 * context (every client-facing process), the ping and third-party routes,
 * and the transaction sender (the single process; the federation-sender role
 * in the worker split). The registrations load, and are validated, on first use.
 */
import type { ClientApiContext } from '@lattice/client-api';
import type { Router } from 'express';
import { AppserviceAuthenticator } from './auth/appservice-authenticator.js';
import { appservicesOf } from './registration/registry.js';
import { appserviceClientRouter } from './routes/appservice-client-router.js';
import { AppserviceSender, type AppserviceSenderOptions } from './sender/appservice-sender.js';

/**
 * Sets ctx.appservices (as_token auth, masquerading, M_EXCLUSIVE) and
 * ctx.rateLimitExempt when appservices are registered; throws ConfigError on a bad registration.
 */
export function installAppserviceAuth(ctx: ClientApiContext): void {
  const registry = appservicesOf(ctx.config);
  if (registry.all.length === 0) return;
  const auth = new AppserviceAuthenticator(ctx, registry);
  ctx.appservices = auth;
  ctx.rateLimitExempt = (userId) => auth.isRateLimitExempt(userId);
}

/** POST /_matrix/client/v1/appservice/{id}/ping and /thirdparty/*. */
export function appserviceRouter(ctx: ClientApiContext): Router {
  return appserviceClientRouter(ctx, appservicesOf(ctx.config));
}

/** Starts pushing transactions to the registered appservices (none: an idle sender). */
export async function startAppserviceSender(ctx: ClientApiContext, options?: AppserviceSenderOptions): Promise<AppserviceSender> {
  const sender = new AppserviceSender(ctx, appservicesOf(ctx.config), options);
  await sender.start();
  return sender;
}
