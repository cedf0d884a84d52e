/** The worker split's topology keys: a valid split config, every mistake reported at once, and room sharding. */
import { ConfigError, parseConfig } from '@lattice/core';
import { eventPersisterFor } from '../src/topology/shard.js';
import { streamsWrittenBy } from '../src/topology/stream-writers.js';

const SPLIT = `
server_name: example.org
database: {name: postgres, args: {host: db}}
redis: {enabled: true, host: redis}
worker_replication_secret: s3cret
instance_map:
  p1: {host: p1, port: 9093}
  p2: {host: p2, port: 9093}
  r1: {host: r1, port: 9093}
stream_writers:
  events: [p1, p2]
  account_data: [r1]
  receipts: [r1]
  to_device: [r1]
  device_lists: [r1]
  presence: [r1]
  push_rules: [r1]
  caches: [r1]
  typing: [r1]
`;

function errorsOf(yaml: string, env: Record<string, string>): string[] {
  try {
    parseConfig(yaml, { env, configDir: '/tmp' });
  } catch (err) {
    if (err instanceof ConfigError) return err.errors;
    throw err;
  }
  return [];
}

describe('worker topology config', () => {
  it('a split worker reads its role, name, instance map and stream writers', () => {
    const config = parseConfig(SPLIT, { env: { LATTICE_WORKER_APP: 'client-reader', LATTICE_WORKER_NAME: 'r1' }, configDir: '/tmp' });
    expect(config.worker_app).toBe('client-reader');
    expect(config.worker_name).toBe('r1');
    expect(config.instance_map.p2).toEqual({ host: 'p2', port: 9093 });
    expect(streamsWrittenBy(config, 'r1')).toEqual(['account_data', 'to_device', 'device_lists', 'presence', 'receipts', 'push_rules', 'caches']);
    expect(streamsWrittenBy(config, 'p1')).toEqual(['events']);
  });

  it('the single process needs none of it', () => {
    const config = parseConfig('server_name: example.org\n', { env: {}, configDir: '/tmp' });
    expect(config.worker_app).toBe('homeserver');
    expect(config.instance_map).toEqual({});
    expect(config.stream_writers.events).toEqual([]);
  });

  it('reports every topology problem at once', () => {
    const broken = `
server_name: example.org
stream_writers:
  events: [p1, p1]
  typing: [r1, r2]
`;
    const errors = errorsOf(broken, { LATTICE_WORKER_APP: 'event-persister' });
    const expected = [
      /^worker_name: required/,
      /^worker_replication_secret: required/,
      /^redis.enabled:/,
      /^database.name: the worker split needs PostgreSQL/,
      /^stream_writers: the worker split needs writers for every stream; missing: account_data, to_device, device_lists, presence, receipts, push_rules, caches$/,
      /^stream_writers.typing: the typing stream lives in memory and has exactly one writer/,
      /^stream_writers.events: p1 is not in instance_map/,
      /^stream_writers.events: lists an instance twice/,
      /^stream_writers.typing: r1 is not in instance_map/,
    ];
    for (const pattern of expected) expect(errors.some((e) => pattern.test(e))).toBe(true);
  });

  it('an event persister must be one of stream_writers.events; roles are checked', () => {
    expect(errorsOf(SPLIT, { LATTICE_WORKER_APP: 'event-persister', LATTICE_WORKER_NAME: 'r1' })).toEqual([
      'worker_name: r1 runs event-persister but is not in stream_writers.events',
    ]);
    expect(errorsOf(SPLIT, { LATTICE_WORKER_APP: 'event-persister', LATTICE_WORKER_NAME: 'p2' })).toEqual([]);
    expect(errorsOf(SPLIT, { LATTICE_WORKER_APP: 'janitor', LATTICE_WORKER_NAME: 'r1' }).some((e) => e.startsWith('worker_app:'))).toBe(true);
  });
});

describe('rooms sharded over event persisters', () => {
  const rooms = Array.from({ length: 2000 }, (_, i) => `!room${i}:example.org`);

  it('federation_sender_instances: a sender must be listed, and listed once', () => {
    const env = { LATTICE_WORKER_APP: 'federation-sender', LATTICE_WORKER_NAME: 's3' };
    expect(errorsOf(SPLIT + 'federation_sender_instances: [s1, s2]\n', env)).toEqual([
      'worker_name: s3 runs federation-sender but is not in federation_sender_instances',
    ]);
    expect(errorsOf(SPLIT + 'federation_sender_instances: [s3, s3]\n', env)).toEqual(['federation_sender_instances: lists an instance twice']);
    expect(errorsOf(SPLIT + 'federation_sender_instances: [s1, s3]\n', env)).toEqual([]);
    // Unset: one sender sends to every destination.
    expect(parseConfig(SPLIT, { env, configDir: '/tmp' }).federation_sender_instances).toEqual([]);
  });

  it('every worker computes the same owner, and the rooms spread over the persisters', () => {
    const owners = rooms.map((r) => eventPersisterFor(r, ['p1', 'p2']));
    expect(rooms.map((r) => eventPersisterFor(r, ['p2', 'p1']))).toEqual(owners);
    const p1 = owners.filter((o) => o === 'p1').length;
    expect(p1).toBeGreaterThan(800);
    expect(p1).toBeLessThan(1200);
  });

  it('a remembered owner is the one computed afresh (one list kept, as the config keeps it)', () => {
    const persisters = ['p1', 'p2', 'p3'];
    const first = rooms.map((r) => eventPersisterFor(r, persisters));
    expect(rooms.map((r) => eventPersisterFor(r, persisters))).toEqual(first);
    expect(rooms.map((r) => eventPersisterFor(r, [...persisters]))).toEqual(first);
  });

  it('adding a persister moves only the rooms it takes over', () => {
    for (const room of rooms) {
      const before = eventPersisterFor(room, ['p1', 'p2']);
      const after = eventPersisterFor(room, ['p1', 'p2', 'p3']);
      if (after !== 'p3') expect(after).toBe(before);
    }
    const moved = rooms.filter((r) => eventPersisterFor(r, ['p1', 'p2', 'p3']) === 'p3').length;
    expect(moved).toBeGreaterThan(500);
    expect(moved).toBeLessThan(850);
  });

  it('no persisters configured is an error, not a guess', () => {
    expect(() => eventPersisterFor('!a:b', [])).toThrow(/no event persisters/);
  });
});
