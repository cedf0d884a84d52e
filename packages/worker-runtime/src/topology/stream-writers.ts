import { WRITTEN_STREAMS, type HomeserverConfig } from '@lattice/core';
import type { DurableStreamName } from '@lattice/replication';

/** The durable streams `instance` writes according to stream_writers. */
export function streamsWrittenBy(config: HomeserverConfig, instance: string): DurableStreamName[] {
  return WRITTEN_STREAMS.filter((s) => config.stream_writers[s].includes(instance));
}

/** stream_writers as the replication hub takes it (the safe position is the minimum over these). */
export function configuredStreamWriters(config: HomeserverConfig): Partial<Record<DurableStreamName, readonly string[]>> {
  return Object.fromEntries(WRITTEN_STREAMS.map((s) => [s, config.stream_writers[s]]));
}
