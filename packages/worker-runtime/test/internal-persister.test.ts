/**
 * The event persister's internal API and the client reader's remote
 * persister: room creation and sends cross real HTTP, carry positions both
 * ways, keep the persister's errors (errcode, status) and its txnId
 * de-duplication, and refuse callers without the secret or rooms of another shard.
 */
import { jest } from '@jest/globals';
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
import type { SendResult } from '@lattice/rooms';
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
  /** The internal paths called, in order. */
  const calls: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await migrate(db);
    const logger = pino({ level: 'silent' });
    const config = parseConfig('server_name: example.org\n', { env: {}, configDir: '/tmp' });
    rooms = await createRoomServices({ db, config, signingKey: generateSigningKey('a_test'), instanceName: 'p1', logger, flushDelayMs: 1 });
    const app = express();
    app.use((req, _res, next) => {
      calls.push(req.path.slice(INTERNAL_PREFIX.length));
      next();
    });
    app.use(persisterEndpoint({ persister: rooms.persister, hub: rooms.hub, userWrites: rooms.userWrites, instanceName: 'p1', persisters: PERSISTERS, secret: SECRET, logger, maxBodyBytes: 1 << 20 }));
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

  it("the persister records a send as its sender's latest write before answering (read-your-writes)", async () => {
    const roomId = await createOwnedRoom();
    const sent = await remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: creator, content: { body: 'mine' } });
    expect((await rooms.userWrites.get(creator)).events).toBeGreaterThanOrEqual(sent.streamOrdering);
    expect(sent).not.toHaveProperty('senderWriteRecorded');
  });

  it("the sender's write is recorded before the event is announced to other workers", async () => {
    const roomId = await createOwnedRoom();
    const record = jest.spyOn(rooms.userWrites, 'record');
    const publish = jest.spyOn(rooms.hub.writer('events'), 'publish');
    try {
      const sent = await remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: creator, content: { body: 'ordered' } });
      const recorded = record.mock.calls.findIndex(([user, positions]) => user === creator && positions.events === sent.streamOrdering);
      const announced = publish.mock.calls.findIndex(([positions]) => [positions].flat().includes(sent.streamOrdering));
      expect(recorded).toBeGreaterThanOrEqual(0);
      expect(announced).toBeGreaterThanOrEqual(0);
      expect(record.mock.invocationCallOrder[recorded]).toBeLessThan(publish.mock.invocationCallOrder[announced]!);
    } finally {
      record.mockRestore();
      publish.mockRestore();
    }
  });

  it('a retried txnId returns the first event, marked deduplicated', async () => {
    const roomId = await createOwnedRoom();
    const txn = { userId: creator, deviceId: 'DEV', txnId: 't1' };
    const first = await remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: creator, content: { body: 'once' } }, { txn });
    const again = await remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: creator, content: { body: 'once' } }, { txn });
    expect(again.event.event_id).toBe(first.event.event_id);
    expect(again.deduplicated).toBe(true);
    // The retry's answer is a write the sender may read next, on any replica: recorded too.
    expect((await rooms.userWrites.get(creator)).events).toBeGreaterThanOrEqual(first.streamOrdering);
  });

  it("the persister's Matrix errors reach the caller with their status and errcode", async () => {
    const roomId = await createOwnedRoom();
    const outsider = '@mallory:example.org';
    const refused = await remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: outsider, content: { body: 'x' } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MatrixError);
    expect((refused as MatrixError).status).toBe(403);
    expect((refused as MatrixError).errcode).toBe('M_FORBIDDEN');
  });

  it('sends made in the same turn cross as one call, and each keeps its own outcome', async () => {
    const roomId = await createOwnedRoom();
    const txn = { userId: creator, deviceId: 'DEV', txnId: 'batched' };
    const first = await remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: creator, content: { body: 'before' } }, { txn });
    calls.length = 0;
    const [a, refused, b, retried] = await Promise.allSettled([
      remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: creator, content: { body: 'a' } }),
      remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: '@mallory:example.org', content: { body: 'x' } }),
      remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: creator, content: { body: 'b' } }),
      remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: creator, content: { body: 'before' } }, { txn }),
    ]);
    expect(calls).toEqual(['/persister/create_events']);
    expect(a.status === 'fulfilled' && b.status === 'fulfilled').toBe(true);
    const [sentA, sentB] = [a, b].map((r) => (r as PromiseFulfilledResult<SendResult>).value);
    expect(sentB!.streamOrdering).toBeGreaterThan(sentA!.streamOrdering);
    expect((await rooms.store.getEvent(sentB!.event.event_id!))?.event.content).toEqual({ body: 'b' });
    expect(rooms.hub.positions.current('events')).toBeGreaterThanOrEqual(sentB!.streamOrdering);
    expect(refused.status).toBe('rejected');
    expect(((refused as PromiseRejectedResult).reason as MatrixError).errcode).toBe('M_FORBIDDEN');
    expect(((refused as PromiseRejectedResult).reason as MatrixError).status).toBe(403);
    expect((retried as PromiseFulfilledResult<SendResult>).value.event.event_id).toBe(first.event.event_id);
    expect((retried as PromiseFulfilledResult<SendResult>).value.deduplicated).toBe(true);

    // A lone send still goes alone.
    calls.length = 0;
    await remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: creator, content: { body: 'alone' } });
    expect(calls).toEqual(['/persister/create_event']);
  });

  it('a batch item that is not a send gets 400 M_BAD_JSON, and the others are written', async () => {
    const roomId = await createOwnedRoom();
    const before = rooms.hub.positions.current('events');
    const res = await fetch(`${url}${INTERNAL_PREFIX}/persister/create_events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
      body: JSON.stringify({ positions: {}, args: { items: [null, { draft: 'x' }, { draft: { room_id: roomId, type: 'm.room.message', sender: creator, content: { body: 'ok' } } }] } }),
    });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as { result: Array<{ result?: SendResult; error?: { status: number; errcode: string } }> };
    expect(result.slice(0, 2).map((o) => [o.error?.status, o.error?.errcode])).toEqual([[400, 'M_BAD_JSON'], [400, 'M_BAD_JSON']]);
    expect(result[2]!.result!.streamOrdering).toBeGreaterThan(before);
  });

  it('refuses an empty or oversized batch', async () => {
    for (const items of [[], Array.from({ length: 65 }, () => ({ draft: { room_id: '!r:example.org', type: 'm.x', sender: creator, content: {} } }))]) {
      const res = await fetch(`${url}${INTERNAL_PREFIX}/persister/create_events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
        body: JSON.stringify({ positions: {}, args: { items } }),
      });
      expect(res.status).toBe(400);
    }
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
