/** matrix-js-sdk against search, the space hierarchy and room upgrades (the client features that use them). */
import { Method, type MatrixClient } from 'matrix-js-sdk';
import { matrixClient } from '../../../tests/support/matrix-client.js';
import { SERVER_NAME, startTestServer, type Credentials, type TestServer } from './support/test-server.js';

describe('matrix-js-sdk search, hierarchy and upgrades', () => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  const clientOf = (c: Credentials): MatrixClient => matrixClient(hs.url, { accessToken: c.access_token, userId: c.user_id, deviceId: c.device_id });
  beforeAll(async () => {
    hs = await startTestServer('pglite');
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
  });
  afterAll(() => hs.close());

  test('searchRoomEvents finds messages with their context, and pages back', async () => {
    const a = clientOf(alice);
    const b = clientOf(bob);
    const { room_id: roomId } = await a.createRoom({ preset: 'public_chat' as never, name: 'Search room' });
    await b.joinRoom(roomId);
    await a.sendTextMessage(roomId, 'before the launch');
    for (let i = 0; i < 12; i++) await b.sendTextMessage(roomId, `rocket launch number ${i}`);
    await a.sendTextMessage(roomId, 'after the launch');

    const results = await a.searchRoomEvents({ term: 'rocket' });
    expect(results.count).toBe(12);
    expect(results.highlights).toContain('rocket');
    expect(results.results).toHaveLength(10);
    const first = results.results[0]!;
    expect(first.context.getEvent().getContent().body).toMatch(/^rocket launch number \d+$/);
    expect(first.context.getTimeline().length).toBeGreaterThan(1);
    expect(results.next_batch).toBeDefined();
    const more = await a.backPaginateRoomEventsSearch(results);
    expect(more.results).toHaveLength(12);
    const bodies = new Set(more.results.map((r) => r.context.getEvent().getContent().body));
    expect(bodies.size).toBe(12);
  });

  test('getRoomHierarchy walks a space', async () => {
    const a = clientOf(alice);
    const { room_id: space } = await a.createRoom({ preset: 'public_chat' as never, name: 'Space', creation_content: { type: 'm.space' } });
    const { room_id: child } = await a.createRoom({ preset: 'public_chat' as never, name: 'Child' });
    await a.sendStateEvent(space, 'm.space.child' as never, { via: [SERVER_NAME], suggested: true } as never, child);
    const hierarchy = await clientOf(bob).getRoomHierarchy(space, 10, 5, false);
    expect(hierarchy.rooms.map((r) => [r.room_id, r.name])).toEqual([
      [space, 'Space'],
      [child, 'Child'],
    ]);
    expect(hierarchy.rooms[0]!.children_state.map((e) => e.state_key)).toEqual([child]);
  });

  test('a room upgrade through the client: the tombstone and predecessor link the rooms', async () => {
    const a = clientOf(alice);
    const { room_id: old } = await a.createRoom({ preset: 'public_chat' as never, name: 'Old', room_version: '11' } as never);
    const { replacement_room: replacement } = await a.http.authedRequest<{ replacement_room: string }>(Method.Post, `/rooms/${encodeURIComponent(old)}/upgrade`, undefined, {
      new_version: '12',
    });
    expect(await a.getStateEvent(old, 'm.room.tombstone', '')).toMatchObject({ replacement_room: replacement });
    expect(await a.getStateEvent(replacement, 'm.room.create', '')).toMatchObject({ room_version: '12', predecessor: { room_id: old } });
    expect(await a.getStateEvent(replacement, 'm.room.name', '')).toEqual({ name: 'Old' });
  });
});
