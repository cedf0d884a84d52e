/**
 * The PresenceWriterLink of a worker in the split: a user's presence changes
 * (a /sync with set_presence on a sync worker, PUT /presence/…/status on a
 * client reader that is not the user's owner) go over the internal API to the
 * presence writer owning the user, carrying the user's write positions; the
 * call returns once this worker has seen the writer's positions, so the
 * /sync that set the presence carries it. A device's back-to-back syncs are
 * forwarded as one (CoalescedPresenceSyncs).
 */
import type { HomeserverConfig, Logger } from '@lattice/core';
import type { PresenceState, PresenceWriterLink } from '@lattice/presence';
import type { ReplicationHub, UserWritePositions } from '@lattice/replication';
import { instanceUrl } from '../topology/instance-url.js';
import { CoalescedPresenceSyncs } from './coalesced-presence-syncs.js';
import { presenceWriterFor } from '../topology/shard.js';
import { internalCall, type InternalClientOptions } from './internal-client.js';
import type { PresenceSetArgs, PresenceSyncArgs } from './presence-endpoint.js';

export interface RemotePresenceWriterOptions {
  /** This instance's name and stream_writers.presence. */
  instanceName: string;
  writers: readonly string[];
  urlOf: (instance: string) => string;
  secret: string;
  hub: ReplicationHub;
  userWrites: UserWritePositions;
  logger: Logger;
}

const TIMEOUT_MS = 10_000;
const CATCH_UP_MS = 10_000;

export class RemotePresenceWriter implements PresenceWriterLink {
  private readonly client: InternalClientOptions;
  private readonly syncs = new CoalescedPresenceSyncs((userId, deviceId, setPresence) => this.forwardSync(userId, deviceId, setPresence));

  constructor(private readonly opts: RemotePresenceWriterOptions) {
    this.client = { urlOf: opts.urlOf, secret: opts.secret, hub: opts.hub, timeoutMs: TIMEOUT_MS, catchUpTimeoutMs: CATCH_UP_MS };
  }

  owns(userId: string): boolean {
    return presenceWriterFor(userId, this.opts.writers) === this.opts.instanceName;
  }

  syncStarted(userId: string, deviceId: string, setPresence: PresenceState | undefined): Promise<() => void> {
    return this.syncs.begin(userId, deviceId, setPresence);
  }

  /** Ends the forwarded syncs at once (shutdown): their users' devices stop counting as syncing. */
  close(): void {
    this.syncs.endAll();
  }

  private async forwardSync(userId: string, deviceId: string, setPresence: PresenceState | undefined): Promise<() => void> {
    const owner = presenceWriterFor(userId, this.opts.writers);
    const args: PresenceSyncArgs = setPresence === undefined ? { userId, deviceId } : { userId, deviceId, setPresence };
    const { syncId } = await internalCall<PresenceSyncArgs, { syncId: string }>(
      this.client,
      owner,
      'presence/sync_started',
      await this.opts.userWrites.get(userId),
      args,
    );
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      // Best effort: a lost end is covered by the writer's lease on the sync.
      internalCall(this.client, owner, 'presence/sync_ended', {}, { syncId }).catch((err: unknown) =>
        this.opts.logger.warn({ err, userId }, 'ending a forwarded presence sync failed'),
      );
    };
  }

  async set(userId: string, state: PresenceState, statusMsg: string | null): Promise<void> {
    const owner = presenceWriterFor(userId, this.opts.writers);
    await internalCall<PresenceSetArgs, unknown>(
      this.client,
      owner,
      'presence/set',
      await this.opts.userWrites.get(userId),
      { userId, state, statusMsg },
    );
  }
}

/**
 * The link of a split worker (one with a name and presence writers that have
 * internal listeners); undefined in the single process, which keeps every
 * user's presence itself.
 */
export function presenceWriterLink(
  config: HomeserverConfig,
  deps: { hub: ReplicationHub; userWrites: UserWritePositions; logger: Logger },
): RemotePresenceWriter | undefined {
  const writers = config.stream_writers.presence;
  const instanceName = config.worker_name;
  if (!instanceName || writers.length === 0 || !writers.every((w) => config.instance_map[w])) return undefined;
  return new RemotePresenceWriter({
    instanceName,
    writers,
    urlOf: (instance) => instanceUrl(config, instance),
    secret: config.worker_replication_secret!,
    hub: deps.hub,
    userWrites: deps.userWrites,
    logger: deps.logger,
  });
}
