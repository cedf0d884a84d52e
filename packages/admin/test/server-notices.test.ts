/**
 * The server notices admin API (POST /v1/send_server_notice and the PUT with a
 * transaction id) over HTTP: the user finds the notice in their notices room,
 * a retried transaction id answers the first notice, bad requests change
 * nothing, and a server without server_notices refuses with 400.
 */
import { DB_KINDS, SERVER_NAME, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { enc, startAdminTestServer, type AdminTestServer } from './support/rooms-admin-server.js';

const SYSTEM = `@notices:${SERVER_NAME}`;
const NOTICES_YAML = `
server_notices:
  system_mxid_localpart: notices
  room_name: Server Notices
`;

type SyncBody = { next_batch: string; rooms?: { invite?: Record<string, unknown>; join?: Record<string, unknown> } };

describe.each(DB_KINDS)('server notices admin API on %s', (kind) => {
  let hs: AdminTestServer;
  let alice: Credentials;
  beforeAll(async () => {
    hs = await startAdminTestServer(kind, { yaml: NOTICES_YAML });
    alice = await hs.createUser('alice');
  });
  afterAll(() => hs.close());

  const systemMessages = async () =>
    (await hs.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE sender = $1 AND type = 'm.room.message'`, [SYSTEM])).rows[0]!.n;

  test('POST sends a notice the user reads in their notices room', async () => {
    const reply = await hs.adminRequest<{ event_id: string }>('POST', '/v1/send_server_notice', {
      user_id: alice.user_id,
      content: { msgtype: 'm.text', body: 'Maintenance at noon' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.event_id).toMatch(/^\$/);

    const synced = await hs.request<SyncBody>('GET', v3('/sync'), { token: alice.access_token });
    const invited = Object.keys(synced.body.rooms?.invite ?? {});
    expect(invited).toHaveLength(1);
    const roomId = invited[0]!;
    expect((await hs.request('POST', v3(`/join/${enc(roomId)}`), { token: alice.access_token, body: {} })).status).toBe(200);
    const event = await hs.request<{ sender: string; content: Record<string, unknown> }>('GET', v3(`/rooms/${enc(roomId)}/event/${enc(reply.body.event_id)}`), {
      token: alice.access_token,
    });
    expect(event.status).toBe(200);
    expect([event.body.sender, event.body.content]).toEqual([SYSTEM, { msgtype: 'm.text', body: 'Maintenance at noon' }]);
  });

  test('PUT with a transaction id: a retry answers the first notice, a new id sends another', async () => {
    const body = { user_id: alice.user_id, content: { msgtype: 'm.text', body: 'Once' } };
    const before = await systemMessages();
    const [first, retried] = await Promise.all([
      hs.adminRequest<{ event_id: string }>('PUT', '/v1/send_server_notice/txn-1', body),
      hs.adminRequest<{ event_id: string }>('PUT', '/v1/send_server_notice/txn-1', body),
    ]);
    expect([first.status, retried.status]).toEqual([200, 200]);
    expect(retried.body.event_id).toBe(first.body.event_id);
    const later = await hs.adminRequest<{ event_id: string }>('PUT', '/v1/send_server_notice/txn-1', body);
    expect(later.body.event_id).toBe(first.body.event_id);
    expect(await systemMessages()).toBe(before + 1);

    const other = await hs.adminRequest<{ event_id: string }>('PUT', '/v1/send_server_notice/txn-2', body);
    expect(other.status).toBe(200);
    expect(other.body.event_id).not.toBe(first.body.event_id);
    expect(await systemMessages()).toBe(before + 2);
  });

  test('bad requests get the spec error and send nothing', async () => {
    const bob = await hs.createUser('bob');
    const before = await systemMessages();
    const cases: Array<[unknown, number, string]> = [
      [{ content: { body: 'x' } }, 400, 'M_MISSING_PARAM'],
      [{ user_id: bob.user_id }, 400, 'M_MISSING_PARAM'],
      [{ user_id: bob.user_id, content: 'text' }, 400, 'M_INVALID_PARAM'],
      [{ user_id: bob.user_id, content: { msgtype: 'm.text' } }, 400, 'M_INVALID_PARAM'],
      [{ user_id: '@someone:elsewhere.test', content: { body: 'x' } }, 400, 'M_UNKNOWN'],
      [{ user_id: `@nobody:${SERVER_NAME}`, content: { body: 'x' } }, 404, 'M_NOT_FOUND'],
      [[1, 2], 400, 'M_BAD_JSON'],
    ];
    for (const [body, status, errcode] of cases) {
      const reply = await hs.adminRequest<{ errcode: string }>('POST', '/v1/send_server_notice', body);
      expect([body, reply.status, reply.body.errcode]).toEqual([body, status, errcode]);
    }
    const notJson = await hs.request<{ errcode: string }>('POST', '/_synapse/admin/v1/send_server_notice', { token: hs.admin.access_token, raw: '{nope' });
    expect([notJson.status, notJson.body.errcode]).toEqual([400, 'M_NOT_JSON']);
    const byBob = await hs.request<{ errcode: string }>('POST', '/_synapse/admin/v1/send_server_notice', {
      token: bob.access_token,
      body: { user_id: alice.user_id, content: { body: 'x' } },
    });
    expect([byBob.status, byBob.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
    expect(await systemMessages()).toBe(before);
  });
});

describe.each(DB_KINDS)('server notices admin API without server_notices on %s', (kind) => {
  let hs: AdminTestServer;
  beforeAll(async () => {
    hs = await startAdminTestServer(kind);
  });
  afterAll(() => hs.close());

  test('POST and PUT answer 400 and create nothing', async () => {
    const carol = await hs.createUser('carol');
    const body = { user_id: carol.user_id, content: { msgtype: 'm.text', body: 'x' } };
    for (const [method, path] of [
      ['POST', '/v1/send_server_notice'],
      ['PUT', '/v1/send_server_notice/t1'],
    ] as const) {
      const reply = await hs.adminRequest<{ errcode: string; error: string }>(method, path, body);
      expect([reply.status, reply.body.error]).toEqual([400, 'Server notices are not enabled on this server']);
    }
    expect((await hs.db.query('SELECT 1 FROM server_notice_rooms')).rows).toHaveLength(0);
    expect((await hs.db.query('SELECT 1 FROM server_notice_txns')).rows).toHaveLength(0);
  });
});
