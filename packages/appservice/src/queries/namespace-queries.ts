/**
 * Application Service API "Querying": when a local user or alias that does
 * not exist falls in an appservice's namespace, the appservice is asked
 * (GET /_matrix/app/v1/users/{userId}, /rooms/{roomAlias}) and may create it
 * before answering 200. The caller then reads again.
 */
import type { Logger } from '@lattice/core';
import { callAppservice } from '../outbound/appservice-client.js';
import type { Appservice } from '../registration/appservice.js';
import type { AppserviceRegistry } from '../registration/registry.js';

/** A client is waiting: the appservice gets less than the transactions' 30 s. */
const QUERY_TIMEOUT_MS = 10_000;

export class NamespaceQueries {
  constructor(
    private readonly registry: AppserviceRegistry,
    private readonly logger: Logger,
  ) {}

  /** True when an appservice covering the user answered 200 (it says it created the user). */
  queryUser(userId: string): Promise<boolean> {
    const asked = this.registry.all.filter((as) => as.registration.users.matches(userId));
    return this.firstYes(asked, `/_matrix/app/v1/users/${encodeURIComponent(userId)}`);
  }

  queryAlias(alias: string): Promise<boolean> {
    const asked = this.registry.all.filter((as) => as.isInterestedInAlias(alias));
    return this.firstYes(asked, `/_matrix/app/v1/rooms/${encodeURIComponent(alias)}`);
  }

  private async firstYes(appservices: readonly Appservice[], path: string): Promise<boolean> {
    for (const as of appservices) {
      if (as.registration.url === null) continue;
      try {
        await callAppservice(as, { method: 'GET', path, timeoutMs: QUERY_TIMEOUT_MS });
        return true;
      } catch (err) {
        // 404 is the appservice's "no such entity"; anything else is worth a log line.
        this.logger.debug({ err, appservice: as.id, path }, 'appservice query answered no');
      }
    }
    return false;
  }
}
