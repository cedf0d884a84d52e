/**
 * The federation sender of the worker split follows an events stream with
 * several writers (event persisters): a persister's row is readable only once
 * the stream's safe position covers it, which often comes in a later update of
 * another persister that carries no rows. The sender must catch up then too,
 * or the event waits for the next event of the room (tests/cluster/
 * cluster-federation found a message that never left the cluster).
 */
import { generateSigningKey } from '@lattice/core';
import { InProcessTransport, createReplicationHub, type ReplicationHub } from '@lattice/replication';
import { DB_KINDS, startTestServer, type Credentials, type TestServer } from '../../../client-api/test/support/test-server.js';
import { FederationSender } from '../../src/sender/federation-sender.js';
import { FakeClient, FakeKeyRing, REMOTE, remoteKey } from './fake-federation.js';
import { roomWithRita, say } from './sender-room.js';
import type { FederationRequest } from '../../src/api.js';

describe.each(DB_KINDS)('federation sender behind two event persisters (%s)', (kind) => {
  let server: TestServer;
  let alice: Credentials;
  let hub: ReplicationHub | undefined;

  beforeAll(async () => {
    server = await startTestServer(kind);
    alice = await server.createUser('alice');
  });
  afterAll(async () => {
    await hub?.close();
    await server.close();
  });

  const bodiesSent = (requests: FederationRequest[]) =>
    requests
      .filter((r) => r.path.startsWith('/_matrix/federation/v1/send/'))
      .flatMap((r) => (r.body as { pdus: Array<{ content: { body?: string } }> }).pdus.map((p) => p.content.body));

  test("an event becomes readable with another persister's row-less position update, and is sent then", async () => {
    const roomId = await roomWithRita(server, alice);
    // The sender's view of the events stream: written by w1 and w2, fed by hand below.
    const transport = new InProcessTransport();
    hub = await createReplicationHub({
      db: server.db,
      transport,
      instanceName: 'federation-sender',
      logger: server.ctx.logger,
      writes: [],
      writesTyping: false,
      streamWriters: { events: ['w1', 'w2'] },
    });
    const keyRing = new FakeKeyRing();
    keyRing.add(REMOTE, remoteKey);
    const client = new FakeClient();
    const delivered: FederationRequest[] = [];
    client.handler = (req) => {
      delivered.push(req);
      return {};
    };
    const rooms = Object.assign(Object.create(server.ctx.rooms) as typeof server.ctx.rooms, { hub });
    const sender = new FederationSender(
      { ctx: { ...server.ctx, rooms }, serverName: 'test.local', signingKey: generateSigningKey('s'), keyRing, client },
      { instanceName: 'federation_sender/multi-writer', sweepIntervalMs: 0 },
    );
    await sender.start();

    const eventId = await say(server, alice, roomId, 'held by the other persister', 'mw1');
    const { rows } = await server.db.query<{ stream_ordering: string }>('SELECT stream_ordering FROM events WHERE event_id = $1', [eventId]);
    const position = Number(rows[0]!.stream_ordering);
    const row = { event_id: eventId, room_id: roomId, type: 'm.room.message', state_key: null, sender: alice.user_id, membership: null };

    // w1 persisted it; w2 has not announced a position past it yet: not readable, nothing sent.
    transport.publish({ stream: 'events', instance: 'w1', position, rows: [row] });
    await new Promise((r) => setImmediate(r));
    await sender.idle();
    expect(bodiesSent(delivered)).toEqual([]);

    // w2 moves past it, without rows of its own.
    transport.publish({ stream: 'events', instance: 'w2', position, rows: [] });
    for (let i = 0; i < 200 && bodiesSent(delivered).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      await sender.idle();
    }
    await sender.stop();
    expect(bodiesSent(delivered)).toEqual(['held by the other persister']);
  });
});
