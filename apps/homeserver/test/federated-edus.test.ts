/**
 * Typing, read receipts and presence between two federating Lattice servers,
 * each wired as the single process wires itself (handlerForListener): a user
 * on A types, reads and sets presence, and a user on B sees it in /sync
 * (B's user runs matrix-js-sdk), and the reverse. EDUs in which the origin
 * speaks for another server's user, for a user not in the room, or from a
 * server the room's ACL denies change nothing.
 */
import type { MatrixClient } from 'matrix-js-sdk';
import { DB_KINDS } from '../../../packages/client-api/test/support/test-server.js';
import { withServerPair } from '../../../packages/federation/test/support/server-pair.js';
import { syncUntil } from '../../../packages/federation/test/support/sync-until.js';
import { registeredSyncingClient } from '../../../tests/support/registered-client.js';
import { eventually } from '../../../tests/support/wait.js';
import { startTestHomeserver, type TestHomeserver } from './support/homeserver-pair.js';

const enc = encodeURIComponent;
type Ephemeral = { type: string; content: Record<string, unknown> };
type SyncBody = {
  next_batch: string;
  presence?: { events: Array<{ sender: string; content: Record<string, unknown> }> };
  rooms?: { join?: Record<string, { ephemeral?: { events: Ephemeral[] } }> };
};

describe.each(DB_KINDS)('typing, receipts and presence over federation (%s)', (kind) => {
  let a: TestHomeserver;
  let b: TestHomeserver;
  let alice: { userId: string; token: string };
  let bob: MatrixClient;
  let bobToken: string;
  let roomId: string;

  // Stops bob's client before the servers close (hooks run in the order declared).
  afterAll(() => bob?.stopClient());
  withServerPair({
    start: (hostname, ca, resolve) => startTestHomeserver(kind, hostname, ca, resolve),
    started: (servers) => {
      [a, b] = servers;
    },
  });
  beforeAll(async () => {
    alice = await a.createUser('alice');
    bob = await registeredSyncingClient(b.clientUrl, 'bob');
    bobToken = bob.getAccessToken()!;
    const created = await a.request<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', alice.token, { preset: 'public_chat' });
    roomId = created.body.room_id;
    await bob.joinRoom(roomId, { viaServers: [a.serverName] });
    await until('bob joined on A', async () => (await a.rooms.store.membership(roomId, bob.getUserId()!))?.membership === 'join');
    await eventually('B sees the room', () => bob.getRoom(roomId)?.getMyMembership() === 'join');
  });

  /** Re-checks an async condition (a database read) until it holds; the bound only turns a hang into a failure. */
  async function until(what: string, check: () => Promise<boolean>): Promise<void> {
    for (let round = 0; round < 500; round++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`never happened: ${what}`);
  }

  const ephemeral = (body: SyncBody, type: string): Ephemeral[] =>
    (body.rooms?.join?.[roomId]?.ephemeral?.events ?? []).filter((e) => e.type === type);
  const typingIn = (body: SyncBody, userId: string): boolean =>
    ephemeral(body, 'm.typing').some((e) => (e.content['user_ids'] as string[]).includes(userId));

  test('typing on A shows on B (matrix-js-sdk) and stops there; typing on B shows on A', async () => {
    const typingPath = `/_matrix/client/v3/rooms/${enc(roomId)}/typing/${enc(alice.userId)}`;
    expect((await a.request('PUT', typingPath, alice.token, { typing: true, timeout: 30_000 })).status).toBe(200);
    await eventually('alice typing at B', () => bob.getRoom(roomId)?.getMember(alice.userId)?.typing === true);
    expect((await a.request('PUT', typingPath, alice.token, { typing: false })).status).toBe(200);
    await eventually('alice stopped typing at B', () => bob.getRoom(roomId)?.getMember(alice.userId)?.typing === false);

    const since = (await a.request<SyncBody>('GET', '/_matrix/client/v3/sync?timeout=0', alice.token)).body.next_batch;
    await bob.sendTyping(roomId, true, 30_000);
    await syncUntil<SyncBody>(a, alice.token, since, (s) => typingIn(s, bob.getUserId()!));
  });

  test('read receipts both ways, threaded ones with their thread_id; private ones stay home', async () => {
    const sent = await bob.sendTextMessage(roomId, 'read me');
    await until('bob message on A', async () => (await a.rooms.store.getEvent(sent.event_id))?.outlier === false);
    const since = (await b.request<SyncBody>('GET', '/_matrix/client/v3/sync?timeout=0', bobToken)).body.next_batch;
    const receipt = (type: string, body: unknown = {}) =>
      a.request('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/receipt/${type}/${enc(sent.event_id)}`, alice.token, body);
    expect((await receipt('m.read.private')).status).toBe(200);
    expect((await receipt('m.read', { thread_id: 'main' })).status).toBe(200);
    const atB = await syncUntil<SyncBody>(b, bobToken, since, (s) =>
      ephemeral(s, 'm.receipt').some((e) => JSON.stringify(e.content).includes(alice.userId)));
    const content = ephemeral(atB, 'm.receipt').find((e) => JSON.stringify(e.content).includes(alice.userId))!.content as Record<
      string,
      Record<string, Record<string, { ts: number; thread_id?: string }>>
    >;
    expect(Object.keys(content[sent.event_id]!)).toEqual(['m.read']);
    expect(content[sent.event_id]!['m.read']![alice.userId]!.thread_id).toBe('main');
    const stored = await b.db.query<{ receipt_type: string }>('SELECT receipt_type FROM receipts WHERE user_id = $1', [alice.userId]);
    expect(stored.rows.map((r) => r.receipt_type)).toEqual(['m.read']);

    // B → A through matrix-js-sdk's receipt call.
    const aliceMsg = await a.request<{ event_id: string }>('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/r1`, alice.token, {
      msgtype: 'm.text',
      body: 'and me',
    });
    const event = await eventually('alice message at B', () => bob.getRoom(roomId)?.findEventById(aliceMsg.body.event_id));
    const aliceSince = (await a.request<SyncBody>('GET', '/_matrix/client/v3/sync?timeout=0', alice.token)).body.next_batch;
    await bob.sendReadReceipt(event);
    const atA = await syncUntil<SyncBody>(a, alice.token, aliceSince, (s) =>
      ephemeral(s, 'm.receipt').some((e) => JSON.stringify(e.content[aliceMsg.body.event_id] ?? {}).includes(bob.getUserId()!)));
    expect(atA.rooms!.join![roomId]).toBeDefined();
  });

  test('presence set on A reaches B (matrix-js-sdk), and presence set on B reaches A', async () => {
    expect(
      (await a.request('PUT', `/_matrix/client/v3/presence/${enc(alice.userId)}/status`, alice.token, { presence: 'online', status_msg: 'from A' })).status,
    ).toBe(200);
    await eventually('alice presence at B', () => bob.getUser(alice.userId)?.presenceStatusMsg === 'from A');
    expect(bob.getUser(alice.userId)?.presence).toBe('online');

    const since = (await a.request<SyncBody>('GET', '/_matrix/client/v3/sync?timeout=0', alice.token)).body.next_batch;
    await bob.setPresence({ presence: 'unavailable', status_msg: 'away on B' });
    const atA = await syncUntil<SyncBody>(a, alice.token, since, (s) =>
      (s.presence?.events ?? []).some((e) => e.sender === bob.getUserId() && e.content['status_msg'] === 'away on B'));
    const event = atA.presence!.events.find((e) => e.sender === bob.getUserId() && e.content['status_msg'] === 'away on B')!;
    expect(event.content['presence']).toBe('unavailable');
    expect(typeof event.content['last_active_ago']).toBe('number');
  });

  test('a server joining a room learns the presence its local members had before', async () => {
    const dora = await a.createUser('dora');
    const erin = await b.createUser('erin');
    const room = (await a.request<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', dora.token, { preset: 'public_chat' })).body.room_id;
    expect((await a.request('PUT', `/_matrix/client/v3/presence/${enc(dora.userId)}/status`, dora.token, { presence: 'online', status_msg: 'here first' })).status).toBe(200);
    const since = (await b.request<SyncBody>('GET', '/_matrix/client/v3/sync?timeout=0', erin.token)).body.next_batch;
    expect((await b.request('POST', `/_matrix/client/v3/join/${enc(room)}?server_name=${enc(a.serverName)}`, erin.token, {})).status).toBe(200);
    await syncUntil<SyncBody>(b, erin.token, since, (s) => (s.presence?.events ?? []).some((e) => e.sender === dora.userId && e.content['status_msg'] === 'here first'));
  });

  test('EDUs speaking for another server’s user, or for a user not in the room, are ignored', async () => {
    const mallory = `@mallory:${b.serverName}`; // on B, never joined the room
    const presenceOf = async () =>
      (await a.db.query<{ user_id: string; state: string; status_msg: string | null }>('SELECT user_id, state, status_msg FROM presence WHERE user_id = $1', [alice.userId])).rows;
    const alicePresence = await presenceOf();
    expect(alicePresence).toHaveLength(1);
    const edus = [
      { edu_type: 'm.typing', content: { room_id: roomId, user_id: alice.userId, typing: true } },
      { edu_type: 'm.typing', content: { room_id: roomId, user_id: mallory, typing: true } },
      { edu_type: 'm.receipt', content: { [roomId]: { 'm.read': { [mallory]: { event_ids: ['$x'], data: { ts: 1 } }, [alice.userId]: { event_ids: ['$x'], data: { ts: 1 } } } } } },
      { edu_type: 'm.presence', content: { push: [{ user_id: alice.userId, presence: 'unavailable', last_active_ago: 5, status_msg: 'spoofed' }] } },
      // The one genuine EDU: it goes through, so the others were looked at and refused.
      { edu_type: 'm.typing', content: { room_id: roomId, user_id: bob.getUserId(), typing: true } },
    ];
    await b.transport.client.request({
      method: 'PUT',
      destination: a.serverName,
      path: `/_matrix/federation/v1/send/spoof-${Date.now()}`,
      body: { origin: b.serverName, origin_server_ts: Date.now(), pdus: [], edus },
    });
    expect(a.rooms.typing.typingUsers(roomId)).toContain(bob.getUserId());
    expect(a.rooms.typing.typingUsers(roomId)).not.toContain(alice.userId);
    expect(a.rooms.typing.typingUsers(roomId)).not.toContain(mallory);
    const receipts = await a.db.query('SELECT 1 FROM receipts WHERE event_id = $1', ['$x']);
    expect(receipts.rows).toEqual([]);
    expect(await presenceOf()).toEqual(alicePresence);
  });

  test('the room’s server ACL shuts a denied server’s EDUs out', async () => {
    const acl = await a.request('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.server_acl/`, alice.token, {
      allow: ['*'],
      deny: ['b.test'],
      allow_ip_literals: true,
    });
    expect(acl.status).toBe(200);
    await b.transport.client.request({
      method: 'PUT',
      destination: a.serverName,
      path: `/_matrix/federation/v1/send/acl-${Date.now()}`,
      body: {
        origin: b.serverName,
        origin_server_ts: Date.now(),
        pdus: [],
        edus: [{ edu_type: 'm.typing', content: { room_id: roomId, user_id: bob.getUserId(), typing: false } }],
      },
    });
    // Still typing from the previous test: the "stopped" from a denied server was not applied.
    expect(a.rooms.typing.typingUsers(roomId)).toContain(bob.getUserId());
  });
});
