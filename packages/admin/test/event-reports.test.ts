/** GET/DELETE /_synapse/admin/v1/event_reports[/<report_id>] over reports made through the client API. */
import { DB_KINDS, SERVER_NAME, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { createRoom, joinRoom, sendMessage } from '../../client-api/test/support/rooms.js';
import { enc, startModerationServer, type ModerationTestServer } from './support/moderation-server.js';

interface ReportList {
  event_reports: Array<Record<string, unknown>>;
  total: number;
  next_token?: number;
}

describe.each(DB_KINDS)('admin event reports on %s', (kind) => {
  let hs: ModerationTestServer;
  let alice: Credentials;
  let bob: Credentials;
  let roomA: string;
  let roomB: string;
  /** Event ids reported, in the order reported (bob reports in room A twice, alice once in room B). */
  const reported: string[] = [];

  beforeAll(async () => {
    hs = await startModerationServer(kind);
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
    roomA = await createRoom(hs, alice, { preset: 'public_chat', name: 'Room A', room_alias_name: 'room-a' });
    roomB = await createRoom(hs, bob, { preset: 'public_chat' });
    await joinRoom(hs, bob, roomA);
    await joinRoom(hs, alice, roomB);
    const report = async (user: Credentials, roomId: string, eventId: string, reason: string) => {
      const reply = await hs.request('POST', v3(`/rooms/${enc(roomId)}/report/${enc(eventId)}`), { token: user.access_token, body: { reason } });
      expect(reply.status).toBe(200);
      reported.push(eventId);
    };
    await report(bob, roomA, await sendMessage(hs, alice, roomA, 'spam 1'), 'first');
    await report(bob, roomA, await sendMessage(hs, alice, roomA, 'spam 2'), 'second');
    await report(alice, roomB, await sendMessage(hs, bob, roomB, 'rude'), 'third');
    // A room report is not an event report.
    await hs.request('POST', v3(`/rooms/${enc(roomB)}/report`), { token: alice.access_token, body: { reason: 'room' } });
  });
  afterAll(() => hs.close());

  const list = (query = '') => hs.adminRequest<ReportList>('GET', `/v1/event_reports${query}`);

  test('lists event reports newest first with the room name, alias, sender and reporter', async () => {
    const reply = await list();
    expect(reply.status).toBe(200);
    expect(reply.body.total).toBe(3);
    expect(reply.body.next_token).toBeUndefined();
    expect(reply.body.event_reports.map((r) => r.event_id)).toEqual([...reported].reverse());
    expect(reply.body.event_reports[2]).toMatchObject({
      event_id: reported[0],
      room_id: roomA,
      name: 'Room A',
      canonical_alias: `#room-a:${SERVER_NAME}`,
      sender: alice.user_id,
      user_id: bob.user_id,
      reason: 'first',
      score: null,
    });
    expect(typeof reply.body.event_reports[0]!.id).toBe('number');
    expect(typeof reply.body.event_reports[0]!.received_ts).toBe('number');
    expect(reply.body.event_reports[0]).toMatchObject({ room_id: roomB, name: null, canonical_alias: null });
  });

  test('pages with from/limit/dir and filters by reporter and room', async () => {
    const first = await list('?limit=2&dir=f');
    expect(first.body.event_reports.map((r) => r.event_id)).toEqual(reported.slice(0, 2));
    expect(first.body.next_token).toBe(2);
    const second = await list(`?limit=2&dir=f&from=${first.body.next_token}`);
    expect(second.body.event_reports.map((r) => r.event_id)).toEqual(reported.slice(2));
    expect(second.body.next_token).toBeUndefined();

    const byBob = await list(`?user_id=${enc('@bob')}`);
    expect([byBob.body.total, byBob.body.event_reports.every((r) => r.user_id === bob.user_id)]).toEqual([2, true]);
    const inB = await list(`?room_id=${enc(roomB)}`);
    expect(inB.body.event_reports.map((r) => r.event_id)).toEqual([reported[2]]);
    const fromBob = await list(`?event_sender_user_id=${enc(bob.user_id)}`);
    expect(fromBob.body.event_reports.map((r) => r.event_id)).toEqual([reported[2]]);
    // LIKE's wildcards are taken literally.

    expect((await list('?user_id=%25')).body.total).toBe(0);

    for (const bad of ['?limit=-1', '?limit=0', '?from=x', '?dir=up']) {
      const reply = await list(bad);
      expect([bad, reply.status, (reply.body as unknown as Record<string, unknown>).errcode]).toEqual([bad, 400, 'M_INVALID_PARAM']);
    }
  });

  test('one report with the event JSON; deletion; 404 and 400', async () => {
    const [, , newest] = (await list('?dir=f')).body.event_reports;
    const one = await hs.adminRequest('GET', `/v1/event_reports/${newest!.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: newest!.id, event_id: reported[2], reason: 'third', user_id: alice.user_id, sender: bob.user_id });
    expect(one.body.event_json).toMatchObject({ event_id: reported[2], room_id: roomB, sender: bob.user_id, content: { body: 'rude' } });

    expect((await hs.adminRequest('DELETE', `/v1/event_reports/${newest!.id}`)).body).toEqual({});
    expect((await hs.adminRequest('GET', `/v1/event_reports/${newest!.id}`)).status).toBe(404);
    const again = await hs.adminRequest('DELETE', `/v1/event_reports/${newest!.id}`);
    expect([again.status, again.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
    expect((await list()).body.total).toBe(2);
    const bad = await hs.adminRequest('GET', '/v1/event_reports/abc');
    expect([bad.status, bad.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
  });

  test('non-admins get 403 M_FORBIDDEN and delete nothing', async () => {
    const { id } = (await list()).body.event_reports[0]!;
    for (const [method, path] of [
      ['GET', '/v1/event_reports'],
      ['GET', `/v1/event_reports/${id}`],
      ['DELETE', `/v1/event_reports/${id}`],
    ] as const) {
      const reply = await hs.adminRequest(method, path, { token: bob.access_token });
      expect([path, reply.status, reply.body.errcode]).toEqual([path, 403, 'M_FORBIDDEN']);
    }
    expect((await hs.adminRequest('GET', `/v1/event_reports/${id}`)).status).toBe(200);
  });
});
