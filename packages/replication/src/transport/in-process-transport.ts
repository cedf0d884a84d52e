import type { Logger } from '@lattice/core';
import type { ReplicationTransport, StreamUpdate } from '../types.js';

type Handler = (update: StreamUpdate) => void;

/**
 * The transport of the single process: publish() hands the update to every
 * subscriber synchronously, in subscription order. A publish made by a
 * subscriber while an update is being delivered is queued behind it, so every
 * subscriber sees updates in the same order as they were published.
 */
export class InProcessTransport implements ReplicationTransport {
  private handlers: Handler[] = [];
  private readonly queue: StreamUpdate[] = [];
  private delivering = false;

  constructor(private readonly logger?: Logger) {}

  publish(update: StreamUpdate): void {
    this.queue.push(update);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.deliver(next);
    } finally {
      this.delivering = false;
    }
  }

  subscribe(handler: Handler): () => void {
    this.handlers = [...this.handlers, handler];
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    };
  }

  private deliver(update: StreamUpdate): void {
    // A snapshot: subscribing or unsubscribing during delivery applies from the next update.
    for (const handler of this.handlers) {
      try {
        handler(update);
      } catch (err) {
        // One broken subscriber must not starve the others (or the writer that published).
        this.logger?.error({ err, stream: update.stream, instance: update.instance }, 'replication subscriber failed');
      }
    }
  }
}
