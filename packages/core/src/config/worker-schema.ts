/**
 * The worker split's topology keys (ARCHITECTURE.md §2, §4), named as in
 * Synapse's worker configuration: which role this process runs (`worker_app`,
 * or LATTICE_ROLE / --role), its instance name, where every named instance's
 * internal listener is (`instance_map`), and which instances write each stream
 * (`stream_writers`; events are sharded over its `events` list by room id).
 */
import { int, list, obj, record, str, type Schema } from './schema.js';

/** The roles of the split, plus `homeserver`: every role in one process (the default). */
export const WORKER_ROLES = [
  'homeserver',
  'client-reader',
  'sync',
  'event-persister',
  'federation-inbound',
  'federation-sender',
  'media',
] as const;

/** Durable streams (a PostgreSQL sequence each) whose writers the split must name. */
export const WRITTEN_STREAMS = [
  'events',
  'account_data',
  'to_device',
  'device_lists',
  'presence',
  'receipts',
  'push_rules',
  'caches',
] as const;

const names = () => list(str(), { default: [] });

export const WORKER_KEYS: Record<string, Schema> = {
  worker_app: str({ oneOf: WORKER_ROLES, default: 'homeserver' }),
  worker_name: str(),
  // Synapse's name for the secret of its internal replication HTTP API.
  worker_replication_secret: str(),
  instance_map: record(
    obj({ host: str({ required: true }), port: int({ min: 1, max: 65535, required: true }) }, { default: undefined }),
    { default: {} },
  ),
  stream_writers: obj({
    ...Object.fromEntries(WRITTEN_STREAMS.map((s) => [s, names()])),
    // The in-memory typing stream has exactly one writer.
    typing: names(),
  }),
  // Synapse's name: destinations are sharded over these federation-sender instances.
  federation_sender_instances: names(),
};

/** Rules spanning the topology keys; only checked for a split worker (worker_app other than homeserver). */
export function workerTopologyRules(c: Record<string, unknown>): string[] {
  const role = c.worker_app as string | undefined;
  if (role === undefined || role === 'homeserver') return [];
  const errors: string[] = [];
  const instances = (c.instance_map ?? {}) as Record<string, unknown>;
  const writers = (c.stream_writers ?? {}) as Record<string, string[] | undefined>;
  const name = c.worker_name as string | undefined;
  if (!name) errors.push(`worker_name: required for worker_app ${role} (set it or LATTICE_WORKER_NAME)`);
  if (!c.worker_replication_secret) errors.push('worker_replication_secret: required by the worker split (authenticates internal calls)');
  const redis = c.redis as { enabled?: boolean } | undefined;
  if (redis && !redis.enabled) errors.push('redis.enabled: the worker split replicates over Redis; set it to true');
  const db = c.database as { name?: string } | undefined;
  if (db?.name === 'pglite') errors.push('database.name: the worker split needs PostgreSQL (postgres or psycopg2), not pglite');
  const missing = [...WRITTEN_STREAMS, 'typing'].filter((s) => (writers[s] ?? []).length === 0);
  if (missing.length > 0) errors.push(`stream_writers: the worker split needs writers for every stream; missing: ${missing.join(', ')}`);
  if ((writers.typing ?? []).length > 1) errors.push('stream_writers.typing: the typing stream lives in memory and has exactly one writer');
  for (const [stream, list] of Object.entries(writers)) {
    for (const instance of list ?? []) {
      if (!(instance in instances)) errors.push(`stream_writers.${stream}: ${instance} is not in instance_map`);
    }
    if (new Set(list).size !== (list ?? []).length) errors.push(`stream_writers.${stream}: lists an instance twice`);
  }
  const senders = (c.federation_sender_instances ?? []) as string[];
  if (new Set(senders).size !== senders.length) errors.push('federation_sender_instances: lists an instance twice');
  if (role === 'federation-sender' && name && senders.length > 0 && !senders.includes(name)) {
    errors.push(`worker_name: ${name} runs federation-sender but is not in federation_sender_instances`);
  }
  if (role === 'event-persister' && name && !(writers.events ?? []).includes(name)) {
    errors.push(`worker_name: ${name} runs event-persister but is not in stream_writers.events`);
  }
  return errors;
}
