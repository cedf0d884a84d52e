/**
 * Federation-inbound's side of waking a backing-off destination that talked
 * to us (BackingOffOrigins): the federation sender owning it (rendezvous of
 * the server name over federation_sender_instances, as the senders shard
 * their destinations) is called to end the backoff and retry now. When it
 * cannot be called (no named senders, not in instance_map, unreachable), the
 * backoff is ended in the database: the owner's outbox sweep sends within
 * its interval, and its scheduled retry finds nothing to wait for.
 */
import type { HomeserverConfig, Logger } from '@lattice/core';
import { DestinationStatusStore } from '@lattice/federation';
import type { ReplicationHub } from '@lattice/replication';
import type { Queryable } from '@lattice/storage';
import { instanceUrl } from '../topology/instance-url.js';
import { federationSenderFor } from '../topology/shard.js';
import { SENDER_WAKE_PATH, type SenderWakeArgs } from './sender-wake-endpoint.js';
import { internalCall, type InternalClientOptions } from './internal-client.js';

const TIMEOUT_MS = 5_000;

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
    const owner = federationSenderFor(destination, this.config.federation_sender_instances);
    if (owner !== undefined && owner in this.config.instance_map) {
      try {
        await internalCall<SenderWakeArgs, unknown>(this.client, owner, SENDER_WAKE_PATH, {}, { destination });
        return;
      } catch (err) {
        this.logger.warn({ err, owner, destination }, 'federation: telling the federation sender that a destination is up failed; ending its backoff here');
      }
    }
    await this.status.clearBackoff(this.db, destination);
  }
}
