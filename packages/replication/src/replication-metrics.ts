import type { Metrics } from '@lattice/core';
import type { ReplicationHub } from './hub/replication-hub.js';
import { DURABLE_STREAMS, type DurableStreamName, type StreamName } from './types.js';

/**
 * Stream position gauges of this worker: per stream its safe position and lag
 * (how far the furthest writer is ahead of it), and per stream this instance
 * writes, its persisted-up-to position and lag (positions still in flight).
 * Returns the unregister function.
 */
export function registerReplicationMetrics(hub: ReplicationHub, metrics: Metrics): () => void {
  const offs: (() => void)[] = [];
  const streams: StreamName[] = [...DURABLE_STREAMS, 'typing'];
  for (const stream of streams) {
    offs.push(
      metrics.registerStreamGauges(stream, () => {
        const position = hub.positions.current(stream);
        return { position, lag: hub.positions.position(stream).max - position };
      }),
    );
  }
  for (const stream of DURABLE_STREAMS) {
    const writer = writerOf(hub, stream);
    if (!writer) continue;
    offs.push(
      metrics.registerStreamGauges(
        stream,
        () => ({ position: writer.persistedUpTo, lag: writer.highestKnown - writer.persistedUpTo }),
        hub.instanceName,
      ),
    );
  }
  return () => offs.forEach((off) => off());
}

function writerOf(hub: ReplicationHub, stream: DurableStreamName) {
  return hub.writes(stream) ? hub.writer(stream) : undefined;
}
