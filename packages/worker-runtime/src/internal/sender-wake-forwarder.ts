/**
 * The other processes' side of sender-wake-endpoint: the federation sender
 * owning a destination (rendezvous of the server name over
 * federation_sender_instances, as the senders shard their destinations) is
 * called
 *  - to end a backing-off destination's backoff and retry now, when it talked
 *    to us (federation-inbound's BackingOffOrigins). When it cannot be called
 *    (no named senders, not in instance_map, unreachable), the backoff is
 *    ended in the database: the owner's outbox sweep sends within its
 *    interval, and its scheduled retry finds nothing to wait for;
 *  - to send what this process just queued in the destination's outbox. When
 *    it cannot be called, the owner's outbox sweep sends it within its interval.
 */
import type { ClientApiContext } from '@lattice/client-api';
import type { HomeserverConfig, Logger } from '@lattice/core';
import { DestinationStatusStore } from '@lattice/federation';
import type { ReplicationHub } from '@lattice/replication';
import type { Queryable } from '@lattice/storage';
import { instanceUrl } from '../topology/instance-url.js';
import { federationSenderFor } from '../topology/shard.js';
import { SENDER_QUEUED_PATH, SENDER_WAKE_PATH, type SenderWakeArgs } from './sender-wake-endpoint.js';
import { internalCall, type InternalClientOptions } from './internal-client.js';

const TIMEOUT_MS = 5_000;

/** The forwarder of a process of the split, from its context. */
export function senderWakeForwarder(ctx: ClientApiContext): SenderWakeForwarder {
  return new SenderWakeForwarder(ctx.config, ctx.rooms.hub, ctx.db, new DestinationStatusStore(ctx.db, ctx.rooms.store), ctx.logger);
}

export class SenderWakeForwarder {
  private readonly client: InternalClientOptions;

  constructor(
    private readonly config: HomeserverConfig,
    hub: ReplicationHub,
    private readonly db: Queryable,
    private readonly status: DestinationStatusStore,
    private readonly logger: Logger,
  ) {
    this.client = { urlOf: (i) => instanceUrl(config, i), secret: config.worker_replication_secret!, hub, timeoutMs: TIMEOUT_MS, catchUpTimeoutMs: 0 };
  }

  async wake(destination: string): Promise<void> {
    if (await this.call(SENDER_WAKE_PATH, destination, 'that a destination is up failed; ending its backoff here')) return;
    await this.status.clearBackoff(this.db, destination);
  }

  /** Never fails: the owner's outbox sweep is the fallback. */
  async queued(destination: string): Promise<void> {
    await this.call(SENDER_QUEUED_PATH, destination, 'of queued items failed; its outbox sweep will send them');
  }

  /** queued() as a callback that does not wait (OutboxEduQueue, a queue-only FederationSender). */
  readonly onQueued = (destination: string): void => void this.queued(destination);

  /** True when the owner was called and answered. */
  private async call(path: string, destination: string, failure: string): Promise<boolean> {
    const owner = federationSenderFor(destination, this.config.federation_sender_instances);
    if (owner === undefined || !(owner in this.config.instance_map)) return false;
    try {
      await internalCall<SenderWakeArgs, unknown>(this.client, owner, path, {}, { destination });
      return true;
    } catch (err) {
      this.logger.warn({ err, owner, destination }, `federation: telling the federation sender ${failure}`);
      return false;
    }
  }
}
