/** matrix-js-sdk against the room endpoints: createRoom, invite, join, sendMessage, redact, read back. */
import type { MatrixClient } from 'matrix-js-sdk';
import { matrixClient } from '../../../../tests/support/matrix-client.js';
import { startTestServer, type Credentials, type TestServer } from '../support/test-server.js';

describe('matrix-js-sdk rooms', () => {
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

  test('create, invite, join, send, redact', async () => {
    const a = clientOf(alice);
    const b = clientOf(bob);
    const { room_id: roomId } = await a.createRoom({ name: 'SDK room', topic: 'testing' });
    await a.invite(roomId, bob.user_id);
    await b.joinRoom(roomId);
    expect((await b.getJoinedRooms()).joined_rooms).toContain(roomId);
    expect(Object.keys((await a.getJoinedRoomMembers(roomId)).joined).sort()).toEqual([alice.user_id, bob.user_id].sort());

    const { event_id: eventId } = await b.sendTextMessage(roomId, 'hello from the sdk');
    const event = await a.fetchRoomEvent(roomId, eventId);
    expect(event).toMatchObject({ type: 'm.room.message', sender: bob.user_id, content: { body: 'hello from the sdk' } });

    const { event_id: redactionId } = await b.redactEvent(roomId, eventId, undefined, { reason: 'typo' });
    const redacted = await a.fetchRoomEvent(roomId, eventId);
    expect(redacted.content).toEqual({});
    expect(redacted.unsigned?.redacted_because).toMatchObject({ event_id: redactionId });
    expect(await a.getStateEvent(roomId, 'm.room.name', '')).toEqual({ name: 'SDK room' });
  });
});
