/** Shadow-bans: the banned user's sends, state changes, invites and room invites look fine to them and reach nobody. */
import { syncRouter } from '@lattice/sync';
import { createRoom, joinRoom, sendMessage } from '../../client-api/test/support/rooms.js';
import { DB_KINDS, enc, startAdminTestServer, v3, type AdminTestServer, type Credentials } from './support/user-admin-server.js';

interface Messages {
  chunk: Array<{ type: string; event_id: string; sender: string; content: Record<string, unknown>; state_key?: string }>;
}

describe.each(DB_KINDS)('shadow-ban on %s', (kind) => {
  let hs: AdminTestServer;
  beforeAll(async () => {
    hs = await startAdminTestServer(kind);
    // The typing endpoint lives with /sync, as the client-facing processes mount it.
    hs.lateRouter.use(syncRouter(hs.ctx));
  });
  afterAll(() => hs.close());

  const banPath = (user: Credentials) => `/v1/users/${enc(user.user_id)}/shadow_ban`;
  async function timeline(user: Credentials, roomId: string) {
    const reply = await hs.request<Messages>('GET', v3(`/rooms/${enc(roomId)}/messages?dir=b&limit=100`), { token: user.access_token });
    expect(reply.status).toBe(200);
    return reply.body.chunk;
  }
  const membership = async (roomId: string, userId: string) => (await hs.ctx.rooms.store.membership(roomId, userId))?.membership;

  test('messages, state and invites of a shadow-banned user succeed for them but nobody sees them; unbanning restores delivery', async () => {
    const alice = await hs.createUser('alice');
    const bob = await hs.createUser('bob');
    const carol = await hs.createUser('carol');
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, roomId);

    expect((await hs.adminRequest('POST', banPath(bob), {})).body).toEqual({});
    expect((await hs.adminRequest('GET', `/v2/users/${enc(bob.user_id)}`)).body).toMatchObject({ shadow_banned: true });

    const hidden = await hs.request<{ event_id: string }>('PUT', v3(`/rooms/${enc(roomId)}/send/m.room.message/hidden1`), {
      token: bob.access_token,
      body: { msgtype: 'm.text', body: 'nobody hears this' },
    });
    expect(hidden.status).toBe(200);
    expect(hidden.body.event_id).toMatch(/^\$[A-Za-z0-9_-]{43}$/);
    const topic = await hs.request<{ event_id: string }>('PUT', v3(`/rooms/${enc(roomId)}/state/m.room.topic/`), {
      token: bob.access_token,
      body: { topic: 'hidden topic' },
    });
    expect(topic.status).toBe(200);
    const invite = await hs.request('POST', v3(`/rooms/${enc(roomId)}/invite`), { token: bob.access_token, body: { user_id: carol.user_id } });
    expect([invite.status, invite.body]).toEqual([200, {}]);

    const seen = await timeline(alice, roomId);
    expect(seen.some((e) => e.sender === bob.user_id && e.type !== 'm.room.member')).toBe(false);
    expect(seen.map((e) => e.event_id)).not.toContain(hidden.body.event_id);
    const event = await hs.request('GET', v3(`/rooms/${enc(roomId)}/event/${enc(hidden.body.event_id)}`), { token: alice.access_token });
    expect(event.status).toBe(404);
    expect(await membership(roomId, carol.user_id)).toBeUndefined();

    // A room the banned user creates exists for them, without the invites they asked for.
    const own = await hs.request<{ room_id: string }>('POST', v3('/createRoom'), { token: bob.access_token, body: { invite: [carol.user_id] } });
    expect(own.status).toBe(200);
    expect(await membership(own.body.room_id, bob.user_id)).toBe('join');
    expect(await membership(own.body.room_id, carol.user_id)).toBeUndefined();

    expect((await hs.adminRequest('DELETE', banPath(bob))).body).toEqual({});
    expect((await hs.adminRequest('GET', `/v2/users/${enc(bob.user_id)}`)).body).toMatchObject({ shadow_banned: false });
    const heard = await sendMessage(hs, bob, roomId, 'now everyone hears this');
    const after = await timeline(alice, roomId);
    expect(after.find((e) => e.event_id === heard)?.content.body).toBe('now everyone hears this');
  });

  test('typing notifications of a shadow-banned user reach nobody', async () => {
    const tia = await hs.createUser('tia');
    const roomId = await createRoom(hs, tia);
    const typing = (user: Credentials) =>
      hs.request('PUT', v3(`/rooms/${enc(roomId)}/typing/${enc(user.user_id)}`), { token: user.access_token, body: { typing: true, timeout: 30000 } });
    await hs.adminRequest('POST', banPath(tia), {});
    expect((await typing(tia)).status).toBe(200);
    expect(hs.ctx.rooms.typing.typingUsers(roomId)).toEqual([]);
    await hs.adminRequest('DELETE', banPath(tia));
    expect((await typing(tia)).status).toBe(200);
    expect(hs.ctx.rooms.typing.typingUsers(roomId)).toEqual([tia.user_id]);
  });

  test('shadow_ban needs a local, existing user and an admin', async () => {
    const dora = await hs.createUser('dora');
    const remote = await hs.adminRequest('POST', `/v1/users/${enc('@x:elsewhere.example')}/shadow_ban`, {});
    expect([remote.status, remote.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    const unknown = await hs.adminRequest('POST', `/v1/users/${enc('@ghost:test.local')}/shadow_ban`, {});
    expect([unknown.status, unknown.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
    const refused = await hs.adminRequest('POST', banPath(dora), {}, dora.access_token);
    expect([refused.status, refused.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
    expect((await hs.adminRequest('GET', `/v2/users/${enc(dora.user_id)}`)).body).toMatchObject({ shadow_banned: false });
  });
});
