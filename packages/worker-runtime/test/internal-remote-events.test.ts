/**
 * Federated events across the internal API: a worker without the room's
 * persister (federation-inbound, a client reader joining a remote room) hands
 * remote events to the owning persister over real HTTP; they are checked and
 * written there exactly as in-process ones, state maps and room versions
 * survive the trip, and a room of another shard or a caller without the
 * secret is refused.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import pino from 'pino';
import { MatrixError, ROOM_VERSIONS, generateSigningKey, parseConfig, stateKeyOf, type RoomEvent } from '@lattice/core';
import { createRoomServices, type ClosableRoomServices } from '@lattice/client-api';
import { EventPersister } from '@lattice/rooms';
import { createTestDatabase, migrate, type Database } from '@lattice/storage';
import { remoteEventsEndpoint } from '../src/internal/remote-events-endpoint.js';
import { RemoteEventsClient } from '../src/internal/remote-events-client.js';
import { eventPersisterFor } from '../src/topology/shard.js';
import { remoteEvent, rita } from '../../rooms/test/remote/remote-fixture.js';

const SECRET = 'internal-secret';
const v11 = ROOM_VERSIONS.get('11')!;
const alice = '@alice:example.org';

describe.each(['pglite', 'postgres'] as const)('internal remote-events API on %s', (kind) => {
  let db: Database;
  let rooms: ClosableRoomServices;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await migrate(db);
    const logger = pino({ level: 'silent' });
    const config = parseConfig('server_name: example.org\n', { env: {}, configDir: '/tmp' });
    rooms = await createRoomServices({ db, config, signingKey: generateSigningKey('a_test'), instanceName: 'p1', logger, flushDelayMs: 1 });
    const app = express();
    const remote = (rooms.persister as EventPersister).remote;
    app.use(remoteEventsEndpoint({ remote, hub: rooms.hub, instanceName: 'p1', persisters: ['p1', 'p2'], secret: SECRET, logger }));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await rooms?.close();
    await db?.close();
  });

  const client = (secret = SECRET, persisters = ['p1']) =>
    new RemoteEventsClient({ urlOf: () => url, secret, hub: rooms.hub, timeoutMs: 10_000, catchUpTimeoutMs: 10_000 }, persisters);

  /** A public room on p1's shard with its state events. */
  async function publicRoomOnP1(): Promise<{ roomId: string; state: Map<string, RoomEvent> }> {
    for (;;) {
      const { roomId } = await rooms.persister.createRoom({
        version: v11,
        creator: alice,
        createContent: {},
        then: [
          { type: 'm.room.member', state_key: alice, sender: alice, content: { membership: 'join' } },
          { type: 'm.room.power_levels', state_key: '', sender: alice, content: { users: { [alice]: 100 } } },
          { type: 'm.room.join_rules', state_key: '', sender: alice, content: { join_rule: 'public' } },
        ],
      });
      if (eventPersisterFor(roomId, ['p1', 'p2']) !== 'p1') continue;
      const state = new Map<string, RoomEvent>();
      for (const type of ['m.room.create', 'm.room.power_levels', 'm.room.join_rules']) state.set(type, (await rooms.store.currentStateEvent(roomId, type, ''))!.event);
      state.set('tip', (await rooms.store.currentStateEvent(roomId, 'm.room.join_rules', ''))!.event);
      return { roomId, state };
    }
  }

  it('a remote join and message are accepted by the owning persister, with a supplied state map intact', async () => {
    const { roomId, state } = await publicRoomOnP1();
    const [create, pl, rules] = ['m.room.create', 'm.room.power_levels', 'm.room.join_rules'].map((t) => state.get(t)!);
    const join = remoteEvent(v11, { room_id: roomId, type: 'm.room.member', state_key: rita, sender: rita, content: { membership: 'join' } }, [state.get('tip')!], [create!, pl!, rules!]);
    expect(await client().acceptEvents(roomId, [{ event: join }])).toEqual([{ eventId: join.event_id, outcome: 'accepted' }]);
    expect((await rooms.store.membership(roomId, rita))?.membership).toBe('join');

    // A message whose prev event is unknown here, with the state before it supplied: accepted through that state.
    const unseen = remoteEvent(v11, { room_id: roomId, type: 'm.room.message', sender: rita, content: { body: 'never sent here' } }, [join], [create!, pl!, join]);
    const unknownPrev = remoteEvent(v11, { room_id: roomId, type: 'm.room.message', sender: rita, content: { body: 'from a fork' } }, [unseen], [create!, pl!, join]);
    expect((await client().acceptEvents(roomId, [{ event: unknownPrev }]))[0]?.outcome).toBe('missing_prev_events');
    const stateBefore = new Map([
      [stateKeyOf('m.room.create', ''), create!.event_id],
      [stateKeyOf('m.room.power_levels', ''), pl!.event_id],
      [stateKeyOf('m.room.join_rules', ''), rules!.event_id],
      [stateKeyOf('m.room.member', rita), join.event_id],
    ]);
    const [result] = await client().acceptEvents(roomId, [{ event: unknownPrev, stateBefore }]);
    expect(result?.outcome).toBe('accepted');
    expect((await rooms.store.getEvent(unknownPrev.event_id))?.event.content['body']).toBe('from a fork');
  });

  it("a room of another persister's shard is refused with 503, and so is a caller without the secret", async () => {
    let otherRoom: string;
    do otherRoom = `!${Math.random().toString(36).slice(2)}:example.org`;
    while (eventPersisterFor(otherRoom, ['p1', 'p2']) !== 'p2');
    // The caller thinks p1 owns every room (a topology rollout in progress).
    await expect(client().storeOutliers(otherRoom, [], v11)).rejects.toMatchObject({ status: 503 });
    const { roomId } = await publicRoomOnP1();
    await expect(client('wrong-secret').storeOutliers(roomId, [], v11)).rejects.toBeInstanceOf(MatrixError);
    await expect(client('wrong-secret').storeOutliers(roomId, [], v11)).rejects.toMatchObject({ status: 403 });
  });
});
