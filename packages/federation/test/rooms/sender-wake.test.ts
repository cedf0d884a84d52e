/**
 * A destination the sender backs off from is retried as soon as it sends us
 * an authenticated request (as Synapse resets a destination's retry timings
 * when it hears from it), wired as in the single process: the federation
 * router tells BackingOffOrigins of every X-Matrix origin, which wakes the
 * sender. The backoff is an hour and the sweep is off, so only the wake can
 * explain the delivery.
 */
import { jest } from '@jest/globals';
import { generateSigningKey } from '@lattice/core';
import { Router, type RequestHandler } from 'express';
import { DB_KINDS, SERVER_NAME, startTestServer, type Credentials, type TestServer } from '../../../client-api/test/support/test-server.js';
import type { FederationRequest } from '../../src/api.js';
import { BackingOffOrigins } from '../../src/inbound/backing-off-origins.js';
import type { RemoteKeyRing } from '../../src/keys/remote-key-ring.js';
import { federationRoomsRouter } from '../../src/rooms/rooms-router.js';
import { federationRouter } from '../../src/router.js';
import { FederationSender } from '../../src/sender/federation-sender.js';
import { createFederationTransport } from '../../src/server/federation-transport.js';
import { signRequest } from '../../src/transport/request-signing.js';
import { FakeClient, FakeKeyRing, REMOTE, remoteKey } from './fake-federation.js';
import { outboxSize, roomWithRita, say } from './sender-room.js';

const HOUR = 3_600_000;

describe.each(DB_KINDS)('a backing-off destination that talks to us (%s)', (kind) => {
  let server: TestServer;
  let alice: Credentials;
  let sender: FederationSender;
  const client = new FakeClient();
  const inner: { handler?: RequestHandler } = {};

  beforeAll(async () => {
    const lazy = Router();
    lazy.use((req, res, next) => (inner.handler ? inner.handler(req, res, next) : next()));
    server = await startTestServer(kind, { app: { routers: [lazy] } });
    alice = await server.createUser('alice');
    const keyRing = new FakeKeyRing();
    keyRing.add(REMOTE, remoteKey);
    const signingKey = generateSigningKey('fed');
    const deps = { ctx: server.ctx, serverName: SERVER_NAME, signingKey, keyRing, client };
    sender = new FederationSender(deps, { sweepIntervalMs: 0, initialBackoffMs: HOUR });
    await sender.start();
    const backingOff = new BackingOffOrigins(server.db, (destination) => sender.wake(destination), server.ctx.logger);
    const rooms = federationRoomsRouter(deps, { forward: (event, origin) => sender.forward(event, origin) });
    // Real X-Matrix checks, against the fake key ring that knows REMOTE's key.
    const transport = { ...createFederationTransport(server.ctx, signingKey), keyRing: keyRing as unknown as RemoteKeyRing, client };
    inner.handler = federationRouter({ ...transport, ctx: server.ctx }, [rooms.router], { heardFrom: (origin) => backingOff.heardFrom(origin) });
  });
  afterAll(async () => {
    await sender.stop();
    await server.close();
  });

  let txn = 0;
  /** An empty transaction from `origin`, signed with `key`. */
  function transaction(key = remoteKey) {
    const uri = `/_matrix/federation/v1/send/wake${++txn}`;
    const content = { origin: REMOTE, origin_server_ts: Date.now(), pdus: [], edus: [] };
    const authorization = signRequest({ method: 'PUT', uri, origin: REMOTE, destination: SERVER_NAME, content }, key);
    return server.request('PUT', uri, { body: content, headers: { authorization } });
  }

  test('its queued PDUs go out when it sends us a transaction, not after the backoff', async () => {
    const roomId = await roomWithRita(server, alice);
    const wake = jest.spyOn(sender, 'wake');
    client.handler = undefined; // down
    await say(server, alice, roomId, 'while down', 'w1');
    await sender.catchUp();
    await sender.idle();
    const { rows } = await server.db.query<{ retry_interval_ms: string }>('SELECT retry_interval_ms FROM federation_destinations WHERE destination = $1', [REMOTE]);
    expect(Number(rows[0]?.retry_interval_ms)).toBe(HOUR);
    expect(await outboxSize(server)).toBe(1);

    // A request that fails X-Matrix says nothing about the server.
    expect((await transaction(generateSigningKey('r1'))).status).toBe(401);
    await sender.idle();
    expect(wake).not.toHaveBeenCalled();

    const delivered: FederationRequest[] = [];
    client.handler = (req) => {
      delivered.push(req);
      return {};
    };
    expect((await transaction()).status).toBe(200);
    for (let i = 0; i < 200 && (await outboxSize(server)) > 0; i++) {
      await sender.idle();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await outboxSize(server)).toBe(0);
    const bodies = delivered.flatMap((r) => (r.body as { pdus: Array<{ content: { body?: string } }> }).pdus.map((p) => p.content.body));
    expect(bodies).toEqual(['while down']);
    expect(wake).toHaveBeenCalledTimes(1);

    // No longer backing off: further requests wake nothing.
    expect((await transaction()).status).toBe(200);
    await sender.idle();
    expect(wake).toHaveBeenCalledTimes(1);
    wake.mockRestore();
  });
});
