/**
 * The application services' side of client-api's AppserviceAuth hook: as_token
 * authentication and identity assertion, M_EXCLUSIVE namespaces, appservice
 * registration, rate-limit exemption and namespace queries.
 */
import { MatrixError, type Logger } from '@lattice/core';
import type { AppserviceAuth, ClientApiContext, Requester, UserRecord } from '@lattice/client-api';
import type { Request, Response } from 'express';
import { NamespaceQueries } from '../queries/namespace-queries.js';
import type { AppserviceRegistry } from '../registration/registry.js';
import { appserviceLoginUser } from './appservice-login.js';
import { registerAppserviceUser } from './appservice-registration.js';
import { IdentityAssertion } from './identity-assertion.js';

export class AppserviceAuthenticator implements AppserviceAuth {
  private readonly identity: IdentityAssertion;
  private readonly queries: NamespaceQueries;

  constructor(
    private readonly ctx: Pick<ClientApiContext, 'config' | 'db'> & { logger: Logger },
    private readonly registry: AppserviceRegistry,
  ) {
    this.identity = new IdentityAssertion(ctx.db);
    this.queries = new NamespaceQueries(registry, ctx.logger);
  }

  authenticate(tokenHash: string, req: Request): Promise<Requester> | undefined {
    const as = this.registry.byAsTokenHash(tokenHash);
    return as && this.identity.requesterOf(as, req);
  }

  assertNotExclusive(kind: 'user' | 'alias', id: string, requester?: Requester): void {
    const owner = kind === 'user' ? this.registry.exclusiveUserOwner(id) : this.registry.exclusiveAliasOwner(id);
    if (owner === undefined || owner.id === requester?.appserviceId) return;
    const what = kind === 'user' ? 'User ID' : 'Room alias';
    throw new MatrixError(400, 'M_EXCLUSIVE', `${what} ${id} is reserved by an application service.`);
  }

  register(req: Request, res: Response): Promise<void> {
    return registerAppserviceUser(this.ctx, this.registry, req, res);
  }

  loginUser(req: Request, user: string): Promise<UserRecord> {
    return appserviceLoginUser(this.ctx.db, this.ctx.config.server_name, this.registry, req, user);
  }

  isRateLimitExempt(userId: string): boolean {
    // The spec's rate_limited covers masqueraded users; the sender is never limited.
    return this.registry.all.some((as) => userId === as.senderUserId || (!as.registration.rateLimited && as.ownsUser(userId)));
  }

  queryAlias(alias: string): Promise<boolean> {
    return this.queries.queryAlias(alias);
  }

  queryUser(userId: string): Promise<boolean> {
    return this.queries.queryUser(userId);
  }
}
