/** Server notices (spec "Server Notices"): sendServerNotice, the notices room, its tag and invite rules. */
import type { ClientApiContext } from '@lattice/client-api';
import { sendServerNotice, unpinServerNotice } from '@lattice/sync';
import { DB_KINDS, SERVER_NAME, v3, type Credentials, type TestServer } from '../../client-api/test/support/test-server.js';
import { startSyncTestServer, sync } from './support/sync-server.js';

const enc = encodeURIComponent;
const SYSTEM = `@notices:${SERVER_NAME}`;
const NOTICES_YAML = `
server_notices:
  system_mxid_localpart: notices
  system_mxid_display_name: Server Notices
  system_mxid_avatar_url: mxc://test.local/notices
  room_name: Server Notices
  room_topic: Messages from the administrators
`;

describe.each(DB_KINDS)('server notices on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  beforeAll(async () => {
    hs = await startSyncTestServer(kind, { yaml: NOTICES_YAML });
    alice = await hs.createUser('alice');
  });
  afterAll(() => hs.close());

  const roomPath = (roomId: string, rest: string) => v3(`/rooms/${enc(roomId)}${rest}`);

  test('the first notice creates the tagged notices room and invites the user; rejecting the invite is refused', async () => {
    const sent = await sendServerNotice(hs.ctx, alice.user_id, { body: 'Welcome!' });
    const body = await sync(hs, alice);
    const invite = body.rooms.invite[sent.roomId]!;
    const state = invite.invite_state.events as Array<{ type: string; sender: string; state_key?: string; content: Record<string, unknown> }>;
    expect(state.find((e) => e.type === 'm.room.name')?.content).toEqual({ name: 'Server Notices' });
    expect(state.find((e) => e.type === 'm.room.member' && e.state_key === alice.user_id)).toMatchObject({ sender: SYSTEM });
    const tags = await hs.request('GET', v3(`/user/${enc(alice.user_id)}/rooms/${enc(sent.roomId)}/tags`), { token: alice.access_token });
    expect(tags.body).toEqual({ tags: { 'm.server_notice': {} } });

    const reject = await hs.request('POST', roomPath(sent.roomId, '/leave'), { token: alice.access_token, body: {} });
    expect(reject.status).toBe(403);
    expect(reject.body).toMatchObject({ errcode: 'M_CANNOT_LEAVE_SERVER_NOTICE_ROOM' });
    const rawReject = await hs.request('PUT', roomPath(sent.roomId, `/state/m.room.member/${enc(alice.user_id)}`), {
      token: alice.access_token,
      body: { membership: 'leave' },
    });
    expect(rawReject.body).toMatchObject({ errcode: 'M_CANNOT_LEAVE_SERVER_NOTICE_ROOM' });
    expect(Object.keys((await sync(hs, alice)).rooms.invite)).toContain(sent.roomId);

    // The system user exists with the configured profile and cannot log in.
    expect((await hs.request('GET', v3(`/profile/${enc(SYSTEM)}`))).body).toEqual({
      displayname: 'Server Notices',
      avatar_url: 'mxc://test.local/notices',
    });
    const login = await hs.request('POST', v3('/login'), { body: { type: 'm.login.password', user: 'notices', password: '' } });
    expect(login.status).toBe(403);
  });

  test('joined, the user reads m.server_notice messages in one room and cannot post there; after leaving a new room is made', async () => {
    const bob = await hs.createUser('bob');
    const first = await sendServerNotice(hs.ctx, bob.user_id, { body: 'One' });
    expect((await hs.request('POST', roomPath(first.roomId, '/join'), { token: bob.access_token, body: {} })).status).toBe(200);
    const second = await sendServerNotice(hs.ctx, bob.user_id, {
      body: 'Limit reached',
      server_notice_type: 'm.server_notice.usage_limit_reached',
      limit_type: 'monthly_active_user',
      admin_contact: 'mailto:admin@test.local',
    });
    expect(second.roomId).toBe(first.roomId);

    const messages = await hs.request<{ chunk: Array<{ type: string; sender: string; content: Record<string, unknown> }> }>(
      'GET',
      roomPath(first.roomId, '/messages?dir=b&limit=50'),
      { token: bob.access_token },
    );
    const notices = messages.body.chunk.filter((e) => e.type === 'm.room.message');
    expect(notices.map((e) => [e.sender, e.content])).toEqual([
      [
        SYSTEM,
        {
          msgtype: 'm.server_notice',
          body: 'Limit reached',
          server_notice_type: 'm.server_notice.usage_limit_reached',
          limit_type: 'monthly_active_user',
          admin_contact: 'mailto:admin@test.local',
        },
      ],
      [SYSTEM, { msgtype: 'm.server_notice', body: 'One' }],
    ]);
    const post = await hs.request('PUT', roomPath(first.roomId, '/send/m.room.message/t1'), { token: bob.access_token, body: { msgtype: 'm.text', body: 'hi' } });
    expect(post.status).toBe(403);

    // Leaving after joining is allowed; the next notice starts a new room.
    expect((await hs.request('POST', roomPath(first.roomId, '/leave'), { token: bob.access_token, body: {} })).status).toBe(200);
    const third = await sendServerNotice(hs.ctx, bob.user_id, { body: 'Three' });
    expect(third.roomId).not.toBe(first.roomId);
    expect(Object.keys((await sync(hs, bob)).rooms.invite)).toEqual([third.roomId]);
  });

  test('active notices are pinned until unpinned', async () => {
    const gina = await hs.createUser('gina');
    const limit = await sendServerNotice(hs.ctx, gina.user_id, { body: 'Limit', server_notice_type: 'm.server_notice.usage_limit_reached' }, { pin: true });
    const other = await sendServerNotice(hs.ctx, gina.user_id, { body: 'Other' }, { pin: true });
    await sendServerNotice(hs.ctx, gina.user_id, { body: 'Just news' });
    const pins = () => hs.request('GET', roomPath(limit.roomId, '/state/m.room.pinned_events'), { token: gina.access_token });
    expect((await hs.request('POST', roomPath(limit.roomId, '/join'), { token: gina.access_token, body: {} })).status).toBe(200);
    expect((await pins()).body).toEqual({ pinned: [limit.eventId, other.eventId] });
    await unpinServerNotice(hs.ctx, limit);
    await unpinServerNotice(hs.ctx, limit);
    expect((await pins()).body).toEqual({ pinned: [other.eventId] });
  });

  test('concurrent first notices share one room', async () => {
    const carol = await hs.createUser('carol');
    const sent = await Promise.all([1, 2, 3].map((n) => sendServerNotice(hs.ctx, carol.user_id, { body: `n${n}` })));
    expect(new Set(sent.map((s) => s.roomId)).size).toBe(1);
  });

  /** The same server with other server_notices settings (sendServerNotice reads them from the context). */
  const withNotices = (settings: Record<string, unknown> | undefined): ClientApiContext => ({
    ...hs.ctx,
    config: { ...hs.ctx.config, server_notices: settings && { ...hs.ctx.config.server_notices!, ...settings } },
  });

  test('not configured: sending a notice fails and creates nothing', async () => {
    const dora = await hs.createUser('dora');
    await expect(sendServerNotice(withNotices(undefined), dora.user_id, { body: 'x' })).rejects.toMatchObject({ errcode: 'M_UNKNOWN' });
    expect((await hs.db.query('SELECT 1 FROM server_notice_rooms WHERE user_id = $1', [dora.user_id])).rows).toHaveLength(0);
  });

  test('auto_join puts the user straight into the room, tagged', async () => {
    const erin = await hs.createUser('erin');
    const sent = await sendServerNotice(withNotices({ auto_join: true }), erin.user_id, { body: 'Hi' });
    const body = await sync(hs, erin);
    const events = body.rooms.join[sent.roomId]!.timeline.events;
    expect(events.some((e) => e.event_id === sent.eventId && e.content['msgtype'] === 'm.server_notice')).toBe(true);
    expect(body.rooms.join[sent.roomId]!.account_data.events).toContainEqual({ type: 'm.tag', content: { tags: { 'm.server_notice': {} } } });
  });

  test('the system localpart cannot be registered, and a regular account is never used to send notices', async () => {
    const register = await hs.request('POST', v3('/register'), { body: { username: 'notices', password: 'a good password' } });
    expect(register.body).toMatchObject({ errcode: 'M_USER_IN_USE' });
    const frank = await hs.createUser('frank');
    // As if `frank` had been registered before an operator named him the system user.
    const hijack = withNotices({ system_mxid_localpart: 'frank' });
    await expect(sendServerNotice(hijack, alice.user_id, { body: 'x' })).rejects.toMatchObject({ errcode: 'M_UNKNOWN' });
    expect((await hs.db.query('SELECT 1 FROM room_memberships WHERE sender = $1', [frank.user_id])).rows).toHaveLength(0);
  });

  test('refusals: unknown users, the system user, a notice without body', async () => {
    await expect(sendServerNotice(hs.ctx, `@nobody:${SERVER_NAME}`, { body: 'x' })).rejects.toMatchObject({ errcode: 'M_NOT_FOUND' });
    await expect(sendServerNotice(hs.ctx, SYSTEM, { body: 'x' })).rejects.toMatchObject({ errcode: 'M_INVALID_PARAM' });
    await expect(sendServerNotice(hs.ctx, alice.user_id, { body: 5 as unknown as string })).rejects.toMatchObject({ errcode: 'M_INVALID_PARAM' });
  });
});
