import { generateSigningKey, getRoomVersion, hashAndSignEvent, toRoomEvent, type RoomEvent } from '@lattice/core';
import { Router, type RequestHandler } from 'express';
import { DB_KINDS, startTestServer, v3, type Credentials, type TestServer } from '../../../client-api/test/support/test-server.js';
import { federationRoomsRouter, type FederationRooms } from '../../src/rooms/rooms-router.js';
import { FakeClient, FakeKeyRing, REMOTE, remoteKey, signedEvent, testAuth, wire } from './fake-federation.js';

const v10 = getRoomVersion('10')!;
const rita = `@rita:${REMOTE}`;
const sam = `@sam:${REMOTE}`;
const enc = encodeURIComponent;

describe.each(DB_KINDS)('federation rooms, inbound (%s)', (kind) => {
  let server: TestServer;
  let fed: FederationRooms;
  let alice: Credentials;
  const keyRing = new FakeKeyRing();
  const client = new FakeClient();
  let txn = 0;
  const forwarded: Array<[string, string]> = [];

  beforeAll(async () => {
    keyRing.add(REMOTE, remoteKey);
    const inner: { handler?: RequestHandler } = {};
    const lazy = Router();
    lazy.use((req, res, next) => (inner.handler ? inner.handler(req, res, next) : next()));
    server = await startTestServer(kind, { app: { routers: [testAuth(), lazy] } });
    const ownKey = generateSigningKey('fed');
    keyRing.add('test.local', ownKey);
    fed = federationRoomsRouter(
      { ctx: server.ctx, serverName: 'test.local', signingKey: ownKey, keyRing, client },
      { forward: async (event, origin) => void forwarded.push([event.event_id, origin]) },
    );
    inner.handler = fed.router;
    alice = await server.createUser('alice');
  });
  afterAll(() => server.close());

  function fedRequest(method: string, path: string, body?: unknown, origin = REMOTE) {
    return server.request(method, path, { body, headers: { 'x-test-origin': origin } });
  }

  function send(pdus: unknown[], edus: unknown[] = [], txnId = `t${++txn}`) {
    return fedRequest('PUT', `/_matrix/federation/v1/send/${txnId}`, { origin: REMOTE, origin_server_ts: Date.now(), pdus, edus });
  }

  async function stateOf(roomId: string, type: string, stateKey = ''): Promise<RoomEvent> {
    return (await server.ctx.rooms.store.currentStateEvent(roomId, type, stateKey))!.event;
  }

  async function tip(roomId: string): Promise<RoomEvent> {
    const { rows } = await server.db.query<{ event_id: string }>('SELECT event_id FROM event_forward_extremities WHERE room_id = $1', [roomId]);
    return (await server.ctx.rooms.store.getEvent(rows[0]!.event_id))!.event;
  }

  /** A public room of alice's, with rita joined over /send. */
  async function roomWithRita(): Promise<{ roomId: string; join: RoomEvent }> {
    const created = await server.request<{ room_id: string }>('POST', v3('/createRoom'), { token: alice.access_token, body: { preset: 'public_chat', room_version: '10' } });
    const roomId = created.body.room_id;
    const [create, pl, rules] = await Promise.all([stateOf(roomId, 'm.room.create'), stateOf(roomId, 'm.room.power_levels'), stateOf(roomId, 'm.room.join_rules')]);
    const join = signedEvent(v10, { room_id: roomId, type: 'm.room.member', state_key: rita, sender: rita, content: { membership: 'join' } }, [await tip(roomId)], [create, pl, rules]);
    const res = await send([wire(join)]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ pdus: { [join.event_id]: {} } });
    return { roomId, join };
  }

  async function message(roomId: string, join: RoomEvent, body: string, prev: RoomEvent[] = [join]): Promise<RoomEvent> {
    const [create, pl] = await Promise.all([stateOf(roomId, 'm.room.create'), stateOf(roomId, 'm.room.power_levels')]);
    return signedEvent(v10, { room_id: roomId, type: 'm.room.message', sender: rita, content: { msgtype: 'm.text', body } }, prev, [create, pl, join]);
  }

  test('a remote join and message arrive through /send and show in the local user\'s room', async () => {
    const { roomId, join } = await roomWithRita();
    expect((await server.ctx.rooms.store.membership(roomId, rita))?.membership).toBe('join');
    const msg = await message(roomId, join, 'hello alice');
    expect((await send([wire(msg)])).body).toEqual({ pdus: { [msg.event_id]: {} } });
    const messages = await server.request<{ chunk: Array<{ event_id: string; content: { body?: string } }> }>(
      'GET', v3(`/rooms/${enc(roomId)}/messages?dir=b&limit=1`), { token: alice.access_token });
    expect(messages.body.chunk[0]?.event_id).toBe(msg.event_id);
    expect(messages.body.chunk[0]?.content.body).toBe('hello alice');
    const { rows } = await server.db.query('SELECT 1 FROM federation_staged_pdus');
    expect(rows).toHaveLength(0);
  });

  test('one bad PDU never fails the batch: bad signature dropped, wrong hash redacted, non-member rejected', async () => {
    const { roomId, join } = await roomWithRita();
    const good = await message(roomId, join, 'good');
    const forged = await message(roomId, join, 'forged');
    const badSig = { ...wire(forged), origin_server_ts: forged.origin_server_ts + 987_654 }; // signature no longer covers it
    const tampered = await message(roomId, join, 'original text');
    const wrongHash = { ...wire(tampered), content: { msgtype: 'm.text', body: 'tampered text' } };
    const malloryMsg = signedEvent(v10, { room_id: roomId, type: 'm.room.message', sender: `@mallory:${REMOTE}`, content: { body: 'x' } }, [join], [await stateOf(roomId, 'm.room.create'), await stateOf(roomId, 'm.room.power_levels'), join]);
    const hugeDepth = { ...wire(await message(roomId, join, 'deep')), depth: 2 ** 53 };
    const res = await send([wire(good), badSig, wrongHash, wire(malloryMsg), hugeDepth, 'not an object']);
    expect(res.status).toBe(200);
    const pdus = res.body['pdus'] as Record<string, { error?: string }>;
    expect(pdus[good.event_id]).toEqual({});
    expect(pdus[tampered.event_id]).toEqual({});
    expect(pdus[malloryMsg.event_id]?.error).toBeTruthy();
    expect(pdus[toRoomEvent(badSig as never, v10).event_id]?.error).toMatch(/signature/i);
    const store = server.ctx.rooms.store;
    expect(await store.getEvent(good.event_id)).toBeDefined();
    expect((await store.getEvent(tampered.event_id))?.event.content).toEqual({}); // processed as its redacted copy
    expect((await store.getEvent(malloryMsg.event_id))?.rejectedReason).toBeTruthy();
    const { rows } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE room_id = $1 AND origin_server_ts = $2', [roomId, forged.origin_server_ts + 987_654]);
    expect(rows[0]!.n).toBe(0);
    const { rows: deep } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE room_id = $1 AND topological_ordering >= $2', [roomId, 2 ** 53]);
    expect(deep[0]!.n).toBe(0);
  });

  test('more than 50 PDUs or 100 EDUs: 400 and nothing persisted; a repeated transaction is answered again, not reprocessed', async () => {
    const { roomId, join } = await roomWithRita();
    const many = await Promise.all(Array.from({ length: 51 }, (_, i) => message(roomId, join, `m${i}`)));
    const tooMany = await send(many.map(wire));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body['errcode']).toBe('M_BAD_JSON');
    expect(await server.ctx.rooms.store.getEvent(many[0]!.event_id)).toBeUndefined();
    expect((await send([], Array.from({ length: 101 }, () => ({ edu_type: 'm.typing', content: {} })))).status).toBe(400);
    expect((await fedRequest('PUT', '/_matrix/federation/v1/send/x', { pdus: 'nope' })).status).toBe(400);

    const msg = await message(roomId, join, 'once');
    const first = await send([wire(msg)], [], 'repeat-me');
    const again = await send([wire(msg)], [], 'repeat-me');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const { rows } = await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM federation_inbound_txns WHERE txn_id = 'repeat-me'");
    expect(rows[0]!.n).toBe(1);
  });

  test('the room\'s server ACL: a denied server\'s PDUs and reads are refused', async () => {
    const { roomId, join } = await roomWithRita();
    const acl = await server.request('PUT', v3(`/rooms/${enc(roomId)}/state/m.room.server_acl/`), {
      token: alice.access_token,
      body: { allow: ['*'], deny: ['*.test'], allow_ip_literals: false },
    });
    expect(acl.status).toBe(200);
    const msg = await message(roomId, join, 'after the ban');
    const res = await send([wire(msg)]);
    expect((res.body['pdus'] as Record<string, { error?: string }>)[msg.event_id]?.error).toMatch(/ACL/);
    expect(await server.ctx.rooms.store.getEvent(msg.event_id)).toBeUndefined();
    expect((await fedRequest('GET', `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(join.event_id)}`)).status).toBe(403);
    expect((await fedRequest('GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(sam)}?ver=10`)).status).toBe(403);
  });

  test('staged PDUs left by a crash are processed at start-up (resume) and then removed', async () => {
    const { roomId, join } = await roomWithRita();
    const msg = await message(roomId, join, 'staged before the crash');
    await fed.processor.staging.stage(REMOTE, 'crashed', [{ roomId, eventId: msg.event_id, pduJson: JSON.stringify(msg) }], Date.now());
    await fed.processor.resume();
    expect((await server.ctx.rooms.store.getEvent(msg.event_id))?.outlier).toBe(false);
    const { rows } = await server.db.query('SELECT 1 FROM federation_staged_pdus');
    expect(rows).toHaveLength(0);
  });

  test('a PDU with unknown prev events: the gap is filled with get_missing_events', async () => {
    const { roomId, join } = await roomWithRita();
    const m1 = await message(roomId, join, 'first, missed');
    const m2 = await message(roomId, join, 'second', [m1]);
    client.handler = (req) => {
      if (req.path.startsWith(`/_matrix/federation/v1/get_missing_events/${enc(roomId)}`)) return { events: [wire(m1)] };
      throw new Error(`unexpected ${req.path}`);
    };
    expect((await send([wire(m2)])).body).toEqual({ pdus: { [m2.event_id]: {} } });
    client.handler = undefined;
    expect((await server.ctx.rooms.store.getEvent(m1.event_id))?.outlier).toBe(false);
    expect((await tip(roomId)).event_id).toBe(m2.event_id);
  });

  test('a gap too wide for get_missing_events: the state before the event comes from /state_ids and /event', async () => {
    const { roomId, join } = await roomWithRita();
    const [create, pl] = await Promise.all([stateOf(roomId, 'm.room.create'), stateOf(roomId, 'm.room.power_levels')]);
    // Events this server never saw: rita's rename, then a message citing it; only the message is sent.
    const topic = signedEvent(v10, { room_id: roomId, type: 'm.room.member', state_key: rita, sender: rita, content: { membership: 'join', displayname: 'unseen' } }, [join], [create, pl, join]);
    const lost = signedEvent(v10, { room_id: roomId, type: 'm.room.message', sender: rita, content: { body: 'lost' } }, [topic], [create, pl, topic]);
    const latest = signedEvent(v10, { room_id: roomId, type: 'm.room.message', sender: rita, content: { body: 'latest' } }, [lost], [create, pl, topic]);
    const stateBefore = [...(await server.ctx.rooms.store.stateAfterEvent(join.event_id)).values()].filter((id) => id !== join.event_id).concat(topic.event_id);
    client.handler = (req) => {
      if (req.path.startsWith('/_matrix/federation/v1/get_missing_events/')) return { events: [] };
      if (req.path.startsWith(`/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(latest.event_id)}`)) {
        return { pdu_ids: stateBefore, auth_chain_ids: [create.event_id, pl.event_id, join.event_id] };
      }
      if (req.path.startsWith(`/_matrix/federation/v1/event_auth/${enc(roomId)}/`)) {
        return { auth_chain: [wire(topic)] };
      }
      if (req.path === `/_matrix/federation/v1/event/${enc(topic.event_id)}`) return { origin: REMOTE, origin_server_ts: 0, pdus: [wire(topic)] };
      throw new Error(`unexpected ${req.path}`);
    };
    expect((await send([wire(latest)])).body).toEqual({ pdus: { [latest.event_id]: {} } });
    client.handler = undefined;
    const stored = await server.ctx.rooms.store.getEvent(latest.event_id);
    expect(stored?.outlier).toBe(false);
    expect((await server.ctx.rooms.store.getEvent(topic.event_id))?.outlier).toBe(true);
    expect((await stateOf(roomId, 'm.room.member', rita)).content['displayname']).toBe('unseen');
    expect(client.requests.some((r) => r.path.startsWith('/_matrix/federation/v1/state_ids/'))).toBe(true);
  });

  test('read endpoints: event, state_ids, state, event_auth, backfill, get_missing_events; other servers and rooms refused', async () => {
    const { roomId, join } = await roomWithRita();
    const msg = await message(roomId, join, 'readable');
    await send([wire(msg)]);
    const ev = await fedRequest('GET', `/_matrix/federation/v1/event/${enc(msg.event_id)}`);
    expect(ev.status).toBe(200);
    expect((ev.body['pdus'] as Array<Record<string, unknown>>)[0]?.['content']).toEqual(msg.content);
    expect((await fedRequest('GET', `/_matrix/federation/v1/event/${enc(msg.event_id)}`, undefined, 'stranger.test')).status).toBe(404);

    const ids = await fedRequest('GET', `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(msg.event_id)}`);
    expect(ids.status).toBe(200);
    expect(ids.body['pdu_ids']).toContain(join.event_id);
    expect(ids.body['auth_chain_ids']).toContain((await stateOf(roomId, 'm.room.create')).event_id);
    const state = await fedRequest('GET', `/_matrix/federation/v1/state/${enc(roomId)}?event_id=${enc(msg.event_id)}`);
    expect((state.body['pdus'] as unknown[]).length).toBe((ids.body['pdu_ids'] as unknown[]).length);
    expect((await fedRequest('GET', `/_matrix/federation/v1/state_ids/${enc(roomId)}`)).body['errcode']).toBe('M_MISSING_PARAM');
    expect((await fedRequest('GET', `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(msg.event_id)}`, undefined, 'stranger.test')).status).toBe(403);

    const auth = await fedRequest('GET', `/_matrix/federation/v1/event_auth/${enc(roomId)}/${enc(msg.event_id)}`);
    expect((auth.body['auth_chain'] as unknown[]).length).toBeGreaterThanOrEqual(3);
    // An event of another room is not found through this room.
    const other = await roomWithRita();
    expect((await fedRequest('GET', `/_matrix/federation/v1/event_auth/${enc(roomId)}/${enc(other.join.event_id)}`)).status).toBe(404);
    expect((await fedRequest('GET', `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(other.join.event_id)}`)).status).toBe(404);

    const back = await fedRequest('GET', `/_matrix/federation/v1/backfill/${enc(roomId)}?v=${enc(msg.event_id)}&limit=3`);
    const backIds = (back.body['pdus'] as Array<{ content: unknown }>).map((p) => p.content);
    expect(backIds).toHaveLength(3);
    expect(backIds[0]).toEqual(msg.content);
    const missing = await fedRequest('POST', `/_matrix/federation/v1/get_missing_events/${enc(roomId)}`, { earliest_events: [join.event_id], latest_events: [msg.event_id], limit: 10 });
    expect(missing.status).toBe(200);
    expect(missing.body['events']).toEqual([]);
  });

  test('make_join / send_join v2 and v1; make_leave / send_leave; refusals', async () => {
    const { roomId } = await roomWithRita();
    const mj = await fedRequest('GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(sam)}?ver=9&ver=10`);
    expect(mj.status).toBe(200);
    expect(mj.body['room_version']).toBe('10');
    const template = mj.body['event'] as Record<string, unknown>;
    expect(template['type']).toBe('m.room.member');
    const incompatible = await fedRequest('GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(sam)}?ver=9`);
    expect([incompatible.status, incompatible.body['errcode'], incompatible.body['room_version']]).toEqual([400, 'M_INCOMPATIBLE_ROOM_VERSION', '10']);
    expect((await fedRequest('GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc('@x:elsewhere.test')}?ver=10`)).status).toBe(403);

    const signed = hashAndSignEvent({ ...(template as object), origin_server_ts: Date.now() } as never, REMOTE, remoteKey, v10);
    const joinEvent = toRoomEvent(signed, v10);
    const sj = await fedRequest('PUT', `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(joinEvent.event_id)}`, signed);
    expect(sj.status).toBe(200);
    const types = (sj.body['state'] as Array<{ type: string }>).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['m.room.create', 'm.room.power_levels', 'm.room.join_rules', 'm.room.member']));
    expect((sj.body['auth_chain'] as unknown[]).length).toBeGreaterThan(0);
    expect((await server.ctx.rooms.store.membership(roomId, sam))?.membership).toBe('join');
    expect(forwarded).toContainEqual([joinEvent.event_id, REMOTE]); // passed on to the room's other servers

    // A join for a user of another server is refused.
    const mj2 = await fedRequest('GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(`@tom:${REMOTE}`)}?ver=10`);
    const otherSigned = hashAndSignEvent({ ...(mj2.body['event'] as object), origin_server_ts: Date.now() } as never, REMOTE, remoteKey, v10);
    const otherJoin = toRoomEvent(otherSigned, v10);
    expect((await fedRequest('PUT', `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(otherJoin.event_id)}`, otherSigned, 'elsewhere.test')).status).toBe(403);

    // v1 answers [200, body]; omit_members leaves member events out.
    const mj3 = await fedRequest('GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(`@ursula:${REMOTE}`)}?ver=10`);
    const s3 = hashAndSignEvent({ ...(mj3.body['event'] as object), origin_server_ts: Date.now() } as never, REMOTE, remoteKey, v10);
    const j3 = toRoomEvent(s3, v10);
    const v1 = await server.request<unknown[]>('PUT', `/_matrix/federation/v1/send_join/${enc(roomId)}/${enc(j3.event_id)}`, { body: s3, headers: { 'x-test-origin': REMOTE } });
    expect(v1.body[0]).toBe(200);

    const ml = await fedRequest('GET', `/_matrix/federation/v1/make_leave/${enc(roomId)}/${enc(sam)}`);
    const leave = hashAndSignEvent({ ...(ml.body['event'] as object), origin_server_ts: Date.now() } as never, REMOTE, remoteKey, v10);
    const leaveEvent = toRoomEvent(leave, v10);
    expect((await fedRequest('PUT', `/_matrix/federation/v2/send_leave/${enc(roomId)}/${enc(leaveEvent.event_id)}`, leave)).body).toEqual({});
    expect((await server.ctx.rooms.store.membership(roomId, sam))?.membership).toBe('leave');
  });

  test('make_knock / send_knock: the knock is accepted and the stripped state returned', async () => {
    const created = await server.request<{ room_id: string }>('POST', v3('/createRoom'), {
      token: alice.access_token,
      body: { room_version: '10', name: 'Knock here', initial_state: [{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'knock' } }] },
    });
    const roomId = created.body.room_id;
    const mk = await fedRequest('GET', `/_matrix/federation/v1/make_knock/${enc(roomId)}/${enc(`@kim:${REMOTE}`)}?ver=10`);
    expect(mk.status).toBe(200);
    const signed = hashAndSignEvent({ ...(mk.body['event'] as object), origin_server_ts: Date.now() } as never, REMOTE, remoteKey, v10);
    const knock = toRoomEvent(signed, v10);
    const sk = await fedRequest('PUT', `/_matrix/federation/v1/send_knock/${enc(roomId)}/${enc(knock.event_id)}`, signed);
    expect(sk.status).toBe(200);
    expect(JSON.stringify(sk.body['knock_room_state'])).toContain('Knock here');
    expect((await server.ctx.rooms.store.membership(roomId, `@kim:${REMOTE}`))?.membership).toBe('knock');
    // make_join for a room that needs an invite: the template would not pass the auth rules.
    expect((await fedRequest('GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(`@kim:${REMOTE}`)}?ver=10`)).status).toBe(403);
  });

  test('restricted join: one of our users authorises it, we co-sign and return the event', async () => {
    const { roomId: allowedRoom } = await roomWithRita();
    const created = await server.request<{ room_id: string }>('POST', v3('/createRoom'), {
      token: alice.access_token,
      body: { room_version: '10', initial_state: [{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: allowedRoom }] } }] },
    });
    const roomId = created.body.room_id;
    const mj = await fedRequest('GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(rita)}?ver=10`);
    expect([mj.status, mj.body['error']]).toEqual([200, undefined]);
    const template = mj.body['event'] as { content: Record<string, unknown> };
    expect(template.content['join_authorised_via_users_server']).toBe(alice.user_id);
    const signed = hashAndSignEvent({ ...(template as object), origin_server_ts: Date.now() } as never, REMOTE, remoteKey, v10);
    const join = toRoomEvent(signed, v10);
    const sj = await fedRequest('PUT', `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(join.event_id)}`, signed);
    expect(sj.status).toBe(200);
    const returned = sj.body['event'] as { signatures: Record<string, unknown> };
    expect(Object.keys(returned.signatures).sort()).toEqual([REMOTE, 'test.local'].sort());
    expect((await server.ctx.rooms.store.membership(roomId, rita))?.membership).toBe('join');
    // Not in any allowed room: refused.
    expect((await fedRequest('GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(`@nobody:${REMOTE}`)}?ver=10`)).status).toBe(403);
  });

  test('omit_members: member events left out, servers_in_room listed', async () => {
    const { roomId } = await roomWithRita();
    const mj = await fedRequest('GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(`@vic:${REMOTE}`)}?ver=10`);
    const signed = hashAndSignEvent({ ...(mj.body['event'] as object), origin_server_ts: Date.now() } as never, REMOTE, remoteKey, v10);
    const sj = await fedRequest('PUT', `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(toRoomEvent(signed, v10).event_id)}?omit_members=true`, signed);
    expect(sj.body['members_omitted']).toBe(true);
    expect(sj.body['servers_in_room']).toEqual(expect.arrayContaining(['test.local', REMOTE]));
  });

  test('invite v2: signed as the invitee\'s server, kept with its stripped state for the invitee\'s sync', async () => {
    const bob = await server.createUser('bob');
    const roomId = `!far:${REMOTE}`;
    const create = signedEvent(v10, { room_id: roomId, type: 'm.room.create', state_key: '', sender: rita, content: { creator: rita, room_version: '10' } }, [], []);
    const invite = signedEvent(v10, { room_id: roomId, type: 'm.room.member', state_key: bob.user_id, sender: rita, content: { membership: 'invite' } }, [create], [create]);
    const res = await fedRequest('PUT', `/_matrix/federation/v2/invite/${enc(roomId)}/${enc(invite.event_id)}`, {
      room_version: '10',
      event: wire(invite),
      invite_room_state: [{ type: 'm.room.name', state_key: '', sender: rita, content: { name: 'Far away' } }],
    });
    expect(res.status).toBe(200);
    const signatures = (res.body['event'] as { signatures: Record<string, unknown> }).signatures;
    expect(Object.keys(signatures).sort()).toEqual([REMOTE, 'test.local'].sort());
    const invited = await server.ctx.rooms.store.roomsForUser(bob.user_id, ['invite']);
    expect(invited.map((r) => r.roomId)).toEqual([roomId]);
    const bad = await fedRequest('PUT', `/_matrix/federation/v2/invite/${enc(roomId)}/${enc(invite.event_id)}`, { room_version: '99', event: wire(invite) });
    expect([bad.status, bad.body['errcode']]).toEqual([400, 'M_INCOMPATIBLE_ROOM_VERSION']);
    const spoofed = await fedRequest('PUT', `/_matrix/federation/v2/invite/${enc(roomId)}/${enc(invite.event_id)}`, { room_version: '10', event: wire(invite) }, 'elsewhere.test');
    expect(spoofed.status).toBe(403);
  });
});
