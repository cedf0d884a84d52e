/** GET /_matrix/client/v1/mutual_rooms (spec v1.19 "Mutual Rooms"). */
import { mutualRoomsPage } from '@lattice/client-api';
import { DB_KINDS, SERVER_NAME, startTestServer, type Credentials, type TestServer } from './support/test-server.js';
import { createRoom, invite, joinRoom, leaveRoom } from './support/rooms.js';

describe.each(DB_KINDS)('mutual rooms on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;
  beforeAll(async () => {
    hs = await startTestServer(kind);
    [alice, bob, carol] = await Promise.all([hs.createUser('alice'), hs.createUser('bob'), hs.createUser('carol')]);
  });
  afterAll(() => hs.close());

  const mutual = (user: Credentials, query: string) => hs.request('GET', `/_matrix/client/v1/mutual_rooms?${query}`, { token: user.access_token });
  const withUser = (userId: string) => `user_id=${encodeURIComponent(userId)}`;

  test('the rooms both users are joined to, not invites, left rooms or rooms of one of them', async () => {
    const shared1 = await createRoom(hs, alice, { preset: 'public_chat' });
    const shared2 = await createRoom(hs, bob, { preset: 'public_chat' });
    const aliceOnly = await createRoom(hs, alice);
    const invited = await createRoom(hs, alice);
    const left = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, shared1);
    await joinRoom(hs, alice, shared2);
    await invite(hs, alice, invited, bob.user_id);
    await joinRoom(hs, bob, left);
    await leaveRoom(hs, bob, left);

    const res = await mutual(alice, withUser(bob.user_id));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ joined: [shared1, shared2].sort(), count: 2 });
    expect((await mutual(bob, withUser(alice.user_id))).body).toEqual({ joined: [shared1, shared2].sort(), count: 2 });
    expect((await mutual(carol, withUser(alice.user_id))).body).toEqual({ joined: [], count: 0 });
    expect(aliceOnly).toBeDefined();
    // Unknown (and remote) users simply share nothing.
    expect((await mutual(alice, withUser(`@nobody:${SERVER_NAME}`))).body).toEqual({ joined: [], count: 0 });
    expect((await mutual(alice, withUser('@someone:remote.example'))).body).toEqual({ joined: [], count: 0 });
  });

  test('bad requests are 400: missing, invalid or own user id, bad from token; 401 without a token', async () => {
    expect((await mutual(alice, '')).body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    expect((await mutual(alice, withUser('not-a-user'))).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await mutual(alice, withUser(alice.user_id))).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    const bad = await mutual(alice, `${withUser(bob.user_id)}&from=garbage`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await hs.request('GET', `/_matrix/client/v1/mutual_rooms?${withUser(bob.user_id)}`)).status).toBe(401);
    expect((await hs.request('POST', `/_matrix/client/v1/mutual_rooms?${withUser(bob.user_id)}`, { token: alice.access_token, body: {} })).status).toBe(405);
  });
});

describe('mutual rooms pagination', () => {
  const rooms = Array.from({ length: 7 }, (_, i) => `!room${i}:test.local`);
  const now = 1_700_000_000_000;

  test('batches follow next_batch to the end; count is the total', () => {
    const first = mutualRoomsPage(rooms, undefined, now, 3);
    expect(first).toMatchObject({ joined: rooms.slice(0, 3), count: 7 });
    const second = mutualRoomsPage(rooms, first.next_batch, now + 1000, 3);
    expect(second).toMatchObject({ joined: rooms.slice(3, 6), count: 7 });
    const third = mutualRoomsPage(rooms, second.next_batch, now + 2000, 3);
    expect(third).toEqual({ joined: rooms.slice(6), count: 7 });
  });

  test('a room that disappeared meanwhile does not derail the next batch', () => {
    const first = mutualRoomsPage(rooms, undefined, now, 3);
    const without = rooms.filter((r) => r !== rooms[2]);
    expect(mutualRoomsPage(without, first.next_batch, now, 3).joined).toEqual(rooms.slice(3, 6));
  });

  test('tokens expire; garbage and future tokens are refused', () => {
    const first = mutualRoomsPage(rooms, undefined, now, 3);
    expect(() => mutualRoomsPage(rooms, first.next_batch, now + 2 * 60 * 60_000, 3)).toThrow(expect.objectContaining({ errcode: 'M_INVALID_PARAM' }));
    expect(() => mutualRoomsPage(rooms, first.next_batch, now - 1000, 3)).toThrow(expect.objectContaining({ errcode: 'M_INVALID_PARAM' }));
    expect(() => mutualRoomsPage(rooms, 'W10', now, 3)).toThrow(expect.objectContaining({ errcode: 'M_INVALID_PARAM' }));
  });
});
