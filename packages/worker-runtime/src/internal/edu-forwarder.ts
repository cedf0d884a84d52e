/**
 * Federation-inbound's side of the EDUs it does not write (server-server API
 * "Typing Notifications", "Presence"): m.typing goes to the one typing writer
 * (stream_writers.typing, in-memory stream), m.presence to the presence writer
 * keeping each user, chosen by rendezvous of the user id over
 * stream_writers.presence exactly as for local users, so one process writes a
 * remote user's presence and its changes stay in order. The writer runs the
 * single process's handler (eduEndpoint), checks included. EDUs are best
 * effort: a writer that cannot be reached loses the EDU with a warning, never
 * the transaction, and is not called again for a while, so a transaction full
 * of EDUs for a dead writer does not wait out one timeout per EDU.
 */
import { MatrixError, type HomeserverConfig, type Logger } from '@lattice/core';
import { PRESENCE_EDU, TYPING_EDU, type EduHandler } from '@lattice/federation';
import type { ReplicationHub } from '@lattice/replication';
import { instanceUrl } from '../topology/instance-url.js';
import { presenceWriterFor } from '../topology/shard.js';
import { presenceEntryUser, type ForwardedEduArgs } from './edu-endpoint.js';
import { internalCall, type InternalClientOptions } from './internal-client.js';

const TIMEOUT_MS = 5_000;
/** After a writer could not be reached, its EDUs are dropped without a call for this long. */
const UNREACHABLE_BACKOFF_MS = 10_000;

export class EduForwarder {
  private readonly client: InternalClientOptions;
  /** Writer → until when its EDUs are dropped without trying. */
  private readonly unreachable = new Map<string, number>();

  constructor(
    private readonly config: HomeserverConfig,
    hub: ReplicationHub,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.client = { urlOf: (i) => instanceUrl(config, i), secret: config.worker_replication_secret!, hub, timeoutMs: TIMEOUT_MS, catchUpTimeoutMs: 0 };
  }

  /** m.typing, to the typing writer (a split's config names one, in instance_map: workerTopologyRules). */
  typing(): EduHandler {
    const writer = this.config.stream_writers.typing[0]!;
    return (origin, content) => this.forward(writer, { origin, eduType: TYPING_EDU, content });
  }

  /** m.presence, each entry of `push` to the writer keeping its user. */
  presence(): EduHandler {
    const eduType = PRESENCE_EDU;
    const writers = this.config.stream_writers.presence;
    return async (origin, content) => {
      if (!this.config.presence.enabled || !Array.isArray(content.push)) return;
      const byWriter = new Map<string, unknown[]>();
      for (const entry of content.push as unknown[]) {
        const userId = presenceEntryUser(entry);
        // Entries without a user id would be skipped by the writer's handler anyway.
        if (userId === undefined) continue;
        const writer = presenceWriterFor(userId, writers);
        byWriter.set(writer, [...(byWriter.get(writer) ?? []), entry]);
      }
      await Promise.all([...byWriter].map(([writer, push]) => this.forward(writer, { origin, eduType, content: { ...content, push } })));
    };
  }

  private async forward(writer: string, args: ForwardedEduArgs): Promise<void> {
    const { eduType, origin } = args;
    if ((this.unreachable.get(writer) ?? 0) > this.clock()) {
      this.logger.warn({ writer, eduType, origin }, 'federation: EDU dropped, its writer was unreachable moments ago');
      return;
    }
    try {
      // No positions: the writer's checks read the database, and nothing waits on what the EDU writes.
      await internalCall<ForwardedEduArgs, unknown>(this.client, writer, 'edus/apply', {}, args);
      this.unreachable.delete(writer);
    } catch (err) {
      if (err instanceof MatrixError && err.status === 503) this.unreachable.set(writer, this.clock() + UNREACHABLE_BACKOFF_MS);
      this.logger.warn({ err, writer, eduType, origin }, 'federation: forwarding an EDU to its writer failed; the EDU is dropped');
    }
  }
}
