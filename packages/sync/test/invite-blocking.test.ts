/** Invite permission (spec v1.18): m.invite_permission_config default_action=block. */
import { DB_KINDS, v3, type Credentials, type TestServer } from '../../client-api/test/support/test-server.js';
import { createRoom, invite } from '../../client-api/test/support/rooms.js';
import { startSyncTestServer, sync } from './support/sync-server.js';

const enc = encodeURIComponent;

describe.each(DB_KINDS)('invite blocking on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  beforeAll(async () => {
    hs = await startSyncTestServer(kind);
    alice = await hs.createUser('alice');
  });
  afterAll(() => hs.close());

  async function setPermission(user: Credentials, content: Record<string, unknown>): Promise<void> {
    const path = v3(`/user/${enc(user.user_id)}/account_data/m.invite_permission_config`);
    expect((await hs.request('PUT', path, { token: user.access_token, body: content })).status).toBe(200);
  }

  const blocked = (res: { status: number; body: Record<string, unknown> }) => {
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ errcode: 'M_INVITE_BLOCKED' });
  };

  test('inviting a blocking user is 403 M_INVITE_BLOCKED on /invite, /createRoom and PUT member state, with no side effects', async () => {
    const bob = await hs.createUser('bob');
    await setPermission(bob, { default_action: 'block' });
    const roomId = await createRoom(hs, alice);

    blocked(await hs.request('POST', v3(`/rooms/${enc(roomId)}/invite`), { token: alice.access_token, body: { user_id: bob.user_id } }));
    blocked(
      await hs.request('PUT', v3(`/rooms/${enc(roomId)}/state/m.room.member/${enc(bob.user_id)}`), {
        token: alice.access_token,
        body: { membership: 'invite' },
      }),
    );
    const member = await hs.request('GET', v3(`/rooms/${enc(roomId)}/state/m.room.member/${enc(bob.user_id)}`), { token: alice.access_token });
    expect(member.status).toBe(404);

    const roomsBefore = Object.keys((await sync(hs, alice)).rooms.join).length;
    blocked(await hs.request('POST', v3('/createRoom'), { token: alice.access_token, body: { invite: [bob.user_id], is_direct: true } }));
    expect(Object.keys((await sync(hs, alice)).rooms.join)).toHaveLength(roomsBefore);

    // Any other value means invites as normal.
    await setPermission(bob, { default_action: 'allow' });
    await invite(hs, alice, roomId, bob.user_id);
  });

  test('invites already received are hidden from /sync while blocking, and back when unblocked', async () => {
    const carol = await hs.createUser('carol');
    const roomId = await createRoom(hs, alice);
    await invite(hs, alice, roomId, carol.user_id);
    expect(Object.keys((await sync(hs, carol)).rooms.invite)).toEqual([roomId]);

    await setPermission(carol, { default_action: 'block' });
    const hidden = await sync(hs, carol);
    expect(hidden.rooms.invite).toEqual({});
    // The block itself is ordinary account data the client sees.
    expect(hidden.account_data.events).toContainEqual({ type: 'm.invite_permission_config', content: { default_action: 'block' } });

    await setPermission(carol, {});
    expect(Object.keys((await sync(hs, carol)).rooms.invite)).toEqual([roomId]);
    // Other endpoints are unaffected: the invite is in the room state.
    const member = await hs.request('GET', v3(`/rooms/${enc(roomId)}/state/m.room.member/${enc(carol.user_id)}`), { token: alice.access_token });
    expect(member.body).toMatchObject({ membership: 'invite' });
  });
});
