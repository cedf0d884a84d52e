/**
 * The event persister's internal API and the client reader's remote
 * persister: room creation and sends cross real HTTP, carry positions both
 * ways, keep the persister's errors (errcode, status) and its txnId
 * de-duplication, and refuse callers without the secret or rooms of another shard.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import pino from 'pino';
import { MatrixError, ROOM_VERSIONS, generateSigningKey, parseConfig } from '@lattice/core';
import { createRoomServices, type ClosableRoomServices } from '@lattice/client-api';
import { InProcessUserWritePositions } from '@lattice/replication';
import { createTestDatabase, migrate, type Database } from '@lattice/storage';
import { persisterEndpoint } from '../src/internal/persister-endpoint.js';
import { RemoteEventPersister } from '../src/internal/remote-persister.js';
import { eventPersisterFor } from '../src/topology/shard.js';
import { INTERNAL_PREFIX } from '../src/internal/wire.js';

const SECRET = 'internal-secret';
const PERSISTERS = ['p1', 'p2'];

describe.each(['pglite', 'postgres'] as const)('internal persister API on %s', (kind) => {
  let db: Database;
  let rooms: ClosableRoomServices;
  let server: Server;
  let url: string;
  let remote: RemoteEventPersister;
  const userWrites = new InProcessUserWritePositions();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await migrate(db);
    const logger = pino({ level: 'silent' });
    const config = parseConfig('server_name: example.org\n', { env: {}, configDir: '/tmp' });
    rooms = await createRoomServices({ db, config, signingKey: generateSigningKey('a_test'), instanceName: 'p1', logger, flushDelayMs: 1 });
    const app = express();
    app.use(persisterEndpoint({ persister: rooms.persister, hub: rooms.hub, instanceName: 'p1', persisters: PERSISTERS, secret: SECRET, logger, maxBodyBytes: 1 << 20 }));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Both names point at the one persister here; the shard check on its side is what is tested.
    remote = new RemoteEventPersister({ persisters: ['p1'], urlOf: () => url, secret: SECRET, hub: rooms.hub, userWrites });
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await rooms?.close();
    await db?.close();
  });

  const creator = '@alice:example.org';
  async function createOwnedRoom(): Promise<string> {
    // Room ids are random: create until one lands on p1's shard (half of them do).
    for (;;) {
      const { roomId } = await remote.createRoom({
        version: ROOM_VERSIONS.get('11')!,
        creator,
        createContent: {},
        then: [{ type: 'm.room.member', state_key: creator, sender: creator, content: { membership: 'join' } }],
      });
      if (eventPersisterFor(roomId, PERSISTERS) === 'p1') return roomId;
    }
  }

  it('creates a room and sends an event through HTTP; this worker has seen the write when the call returns', async () => {
    const roomId = await createOwnedRoom();
    const sent = await remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: creator, content: { body: 'hi' } });
    expect(sent.event.event_id).toMatch(/^\$/);
    expect(sent.deduplicated).toBe(false);
    expect(rooms.hub.positions.current('events')).toBeGreaterThanOrEqual(sent.streamOrdering);
    expect((await rooms.store.getEvent(sent.event.event_id!))?.event.content).toEqual({ body: 'hi' });
  });

  it('a retried txnId returns the first event, marked deduplicated', async () => {
    const roomId = await createOwnedRoom();
    const txn = { userId: creator, deviceId: 'DEV', txnId: 't1' };
    const first = await remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: creator, content: { body: 'once' } }, { txn });
    const again = await remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: creator, content: { body: 'once' } }, { txn });
    expect(again.event.event_id).toBe(first.event.event_id);
    expect(again.deduplicated).toBe(true);
  });

  it("the persister's Matrix errors reach the caller with their status and errcode", async () => {
    const roomId = await createOwnedRoom();
    const outsider = '@mallory:example.org';
    const refused = await remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: outsider, content: { body: 'x' } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MatrixError);
    expect((refused as MatrixError).status).toBe(403);
    expect((refused as MatrixError).errcode).toBe('M_FORBIDDEN');
  });

  it('refuses a room of the other shard, and callers without the secret', async () => {
    let other = '!x:example.org';
    for (let i = 0; eventPersisterFor(other, PERSISTERS) !== 'p2'; i++) other = `!x${i}:example.org`;
    const misrouted = await remote.createEvent({ room_id: other, type: 'm.room.message', sender: creator, content: {} }).catch((e: unknown) => e);
    expect((misrouted as MatrixError).status).toBe(503);
    expect((misrouted as MatrixError).message).toMatch(/belongs to event persister p2/);

    const before = rooms.hub.positions.current('events');
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${SECRET}x`]) {
      const res = await fetch(`${url}${INTERNAL_PREFIX}/persister/create_event`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ positions: {}, args: { draft: { room_id: other, type: 'm.room.message', sender: creator, content: {} } } }),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { errcode: string }).errcode).toBe('M_FORBIDDEN');
    }
    expect(rooms.hub.positions.current('events')).toBe(before);
  });
});
