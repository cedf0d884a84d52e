/**
 * One request id across workers: a client reader's call to the event
 * persister, made while handling a request, carries the request's id
 * (X-Request-Id) over real HTTP, and the persister logs its handling of the
 * call under that same id.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { ROOM_VERSIONS, createLogger, generateSigningKey, parseConfig, runWithRequestId } from '@lattice/core';
import { createRoomServices, type ClosableRoomServices } from '@lattice/client-api';
import { InProcessUserWritePositions } from '@lattice/replication';
import { createTestDatabase, migrate, type Database } from '@lattice/storage';
import { persisterEndpoint } from '../src/internal/persister-endpoint.js';
import { RemoteEventPersister } from '../src/internal/remote-persister.js';

const SECRET = 'internal-secret';

describe.each(['pglite', 'postgres'] as const)('request ids across internal calls on %s', (kind) => {
  let db: Database;
  let rooms: ClosableRoomServices;
  let server: Server;
  let remote: RemoteEventPersister;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await migrate(db);
    // The persister's log, as JSON lines.
    const logger = createLogger({ level: 'info', role: 'event-persister', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    const config = parseConfig('server_name: example.org\n', { env: {}, configDir: '/tmp' });
    rooms = await createRoomServices({ db, config, signingKey: generateSigningKey('a_test'), instanceName: 'p1', logger, flushDelayMs: 1 });
    const app = express();
    app.use(persisterEndpoint({ persister: rooms.persister, hub: rooms.hub, userWrites: rooms.userWrites, instanceName: 'p1', persisters: ['p1'], secret: SECRET, logger, maxBodyBytes: 1 << 20 }));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    remote = new RemoteEventPersister({ persisters: ['p1'], urlOf: () => url, secret: SECRET, hub: rooms.hub, userWrites: new InProcessUserWritePositions() });
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await rooms?.close();
    await db?.close();
  });

  const creator = '@alice:example.org';
  const createRoom = () =>
    remote.createRoom({
      version: ROOM_VERSIONS.get('11')!,
      creator,
      createContent: {},
      then: [{ type: 'm.room.member', state_key: creator, sender: creator, content: { membership: 'join' } }],
    });
  const requestLines = (id: unknown) => lines.filter((l) => l.msg === 'request' && l.request_id === id);

  it("the persister logs the call under the caller's request id", async () => {
    const { roomId } = await runWithRequestId('PUT-reader1-42', createRoom);
    await runWithRequestId('PUT-reader1-43', () =>
      remote.createEvent({ room_id: roomId, type: 'm.room.message', sender: creator, content: { body: 'hi' } }),
    );
    for (const [id, path] of [
      ['PUT-reader1-42', '/_lattice/internal/v1/persister/create_room'],
      ['PUT-reader1-43', '/_lattice/internal/v1/persister/create_event'],
    ]) {
      expect(requestLines(id)).toEqual([expect.objectContaining({ role: 'event-persister', path, status: 200 })]);
    }
  });

  it("an error is logged under the caller's id too", async () => {
    const failed = runWithRequestId('PUT-reader1-44', () =>
      remote.createEvent({ room_id: '!missing:example.org', type: 'm.room.message', sender: creator, content: {} }),
    );
    await expect(failed).rejects.toMatchObject({ status: expect.any(Number) });
    const [line] = requestLines('PUT-reader1-44');
    expect(line?.status).toBeGreaterThanOrEqual(400);
  });

  it('a call outside any request gets an id of its own at the persister', async () => {
    const before = lines.length;
    await createRoom();
    const logged = lines.slice(before).filter((l) => l.msg === 'request');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.request_id).toEqual(expect.stringMatching(/^POST-/));
  });
});
