/**
 * Waking a destination in the worker split: federation-inbound's
 * SenderWakeForwarder calls the federation sender that owns the destination
 * (rendezvous over federation_sender_instances), over real HTTP to its
 * internal endpoint; when the owner cannot be called, the backoff is ended
 * in the database instead, for the owner's outbox sweep to find. Items
 * another process queued go to their owner the same way (federation/queued).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { createLogger, generateSigningKey, parseConfig } from '@lattice/core';
import { createRoomServices, type ClosableRoomServices } from '@lattice/client-api';
import { DestinationStatusStore } from '@lattice/federation';
import { createTestDatabase, migrate, type Database } from '@lattice/storage';
import { senderWakeEndpoint } from '../src/internal/sender-wake-endpoint.js';
import { SenderWakeForwarder } from '../src/internal/sender-wake-forwarder.js';
import { federationSenderFor } from '../src/topology/shard.js';

const SECRET = 'internal-secret';
const SENDERS = ['sender-1', 'sender-2'];
const logger = createLogger({ level: 'fatal', role: 'federation-inbound' });

describe('waking a destination through the federation sender that owns it', () => {
  let db: Database;
  let rooms: ClosableRoomServices;
  const servers: Server[] = [];
  const woken: Array<[string, string]> = [];
  const queued: Array<[string, string]> = [];
  const ports = new Map<string, number>();

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await migrate(db);
    const config = parseConfig('server_name: example.org\n', { env: {}, configDir: '/tmp' });
    rooms = await createRoomServices({ db, config, signingKey: generateSigningKey('a_test'), instanceName: 'inbound', logger, flushDelayMs: 1 });
    for (const name of SENDERS) {
      const app = express();
      const sender = {
        wake: async (destination: string) => void woken.push([name, destination]),
        sendQueued: (destination: string) => void queued.push([name, destination]),
      };
      app.use(senderWakeEndpoint({ sender, hub: rooms.hub, secret: SECRET, logger }));
      const server = await new Promise<Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      servers.push(server);
      ports.set(name, (server.address() as AddressInfo).port);
    }
  });
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    await rooms?.close();
    await db?.close();
  });

  function forwarder(instanceMap: string[]): SenderWakeForwarder {
    const config = parseConfig(
      JSON.stringify({
        server_name: 'example.org',
        worker_replication_secret: SECRET,
        federation_sender_instances: SENDERS,
        instance_map: Object.fromEntries(instanceMap.map((name) => [name, { host: '127.0.0.1', port: ports.get(name) }])),
      }),
      { env: {}, configDir: '/tmp' },
    );
    return new SenderWakeForwarder(config, rooms.hub, db, new DestinationStatusStore(db, rooms.store), logger);
  }

  async function backingOff(destination: string): Promise<void> {
    await db.query(
      `INSERT INTO federation_destinations (destination, retry_after_ts, retry_interval_ms, failing_since_ts) VALUES ($1, 9e12, 60000, 1)
       ON CONFLICT (destination) DO UPDATE SET retry_after_ts = 9e12, retry_interval_ms = 60000`,
      [destination],
    );
  }
  const intervalOf = async (destination: string) =>
    Number((await db.query<{ i: string }>('SELECT retry_interval_ms AS i FROM federation_destinations WHERE destination = $1', [destination])).rows[0]!.i);

  test('each destination goes to its owner', async () => {
    const destinations = Array.from({ length: 8 }, (_, i) => `server${i}.test`);
    // Both senders own some of them.
    expect(new Set(destinations.map((d) => federationSenderFor(d, SENDERS))).size).toBe(2);
    const calls = forwarder(SENDERS);
    for (const d of destinations) await calls.wake(d);
    expect(woken).toEqual(destinations.map((d) => [federationSenderFor(d, SENDERS), d]));
  });

  test('what another process queued: its owner is told, and an owner that cannot be called is left to its sweep', async () => {
    const destinations = Array.from({ length: 8 }, (_, i) => `queued${i}.test`);
    expect(new Set(destinations.map((d) => federationSenderFor(d, SENDERS))).size).toBe(2);
    for (const d of destinations) await forwarder(SENDERS).queued(d);
    expect(queued).toEqual(destinations.map((d) => [federationSenderFor(d, SENDERS), d]));
    expect(woken.filter(([, d]) => d.startsWith('queued'))).toEqual([]);

    // Its owner is not in instance_map: nothing is called and nothing fails; the backoff is untouched.
    queued.length = 0;
    const destination = 'queued-unnamed-owner.test';
    const owner = federationSenderFor(destination, SENDERS)!;
    await backingOff(destination);
    await expect(forwarder(SENDERS.filter((s) => s !== owner)).queued(destination)).resolves.toBeUndefined();
    expect(queued).toEqual([]);
    expect(await intervalOf(destination)).toBe(60000);
  });

  test('an owner that cannot be called: the backoff ends in the database', async () => {
    woken.length = 0;
    const destination = 'unnamed-owner.test';
    const owner = federationSenderFor(destination, SENDERS)!;
    await backingOff(destination);
    // Its owner is not in instance_map.
    await forwarder(SENDERS.filter((s) => s !== owner)).wake(destination);
    expect(woken).toEqual([]);
    expect(await intervalOf(destination)).toBe(0);

    // Its owner is in instance_map but does not answer.
    await backingOff(destination);
    const gone = servers[SENDERS.indexOf(owner)]!;
    gone.closeAllConnections();
    await new Promise((r) => gone.close(r));
    await forwarder(SENDERS).wake(destination);
    expect(woken).toEqual([]);
    expect(await intervalOf(destination)).toBe(0);
  });
});
