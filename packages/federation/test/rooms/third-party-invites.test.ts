/**
 * Third-party invites end to end, against a real (small) identity server over
 * TLS: /invite by e-mail stores the invite at the identity server and puts an
 * m.room.third_party_invite in the room; the identity server's /3pid/onbind turns
 * it into an invite of the bound user (here, or through
 * exchange_third_party_invite at the inviter's server), who can join; a proof
 * signed with the wrong key is refused and changes nothing; a bound address
 * invites its user directly.
 */
import { readFileSync } from 'node:fs';
import { IdentityServerClient } from '@lattice/client-api';
import { DB_KINDS } from '../../../client-api/test/support/test-server.js';
import { FakeIdentityServer, IS_ACCESS_TOKEN, ed25519KeyPair } from '../support/fake-identity-server.js';
import { loopbackResolver } from '../support/federation-server.js';
import { withServerPair } from '../support/server-pair.js';
import type { TestCa } from '../support/test-ca.js';
import { startLattice, type Lattice } from './lattice-pair.js';

const enc = encodeURIComponent;

describe.each(DB_KINDS)('third-party invites (%s)', (kind) => {
  let a: Lattice;
  let b: Lattice;
  let testCa: TestCa;
  const is = { server: undefined as FakeIdentityServer | undefined };
  const resolve = loopbackResolver(['a.test', 'b.test', 'is.test']);

  withServerPair({
    resolve,
    start: (hostname, ca) => {
      testCa = ca;
      return startLattice(kind, hostname, ca, resolve, async ({ deps }) => {
        deps.ctx.identityServers = new IdentityServerClient({ config: deps.ctx.config, resolve, ca: [readFileSync(ca.caPath)] });
        return {};
      });
    },
    started: async (servers) => {
      [a, b] = servers;
      is.server = new FakeIdentityServer(testCa);
      await is.server.start('is.test');
    },
  });
  afterAll(async () => {
    await is.server?.close();
  });

  const portOf = (server: Lattice) => Number(server.serverName.split(':')[1]);

  async function roomWith(server: Lattice, token: string): Promise<string> {
    const created = await server.request<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', token, { preset: 'private_chat' });
    expect(created.status).toBe(200);
    return created.body.room_id;
  }

  function invite3pid(server: Lattice, token: string, roomId: string, address: string, extra: Record<string, unknown> = {}) {
    return server.request('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, token, {
      id_server: is.server!.idServer,
      id_access_token: IS_ACCESS_TOKEN,
      medium: 'email',
      address,
      ...extra,
    });
  }

  test('an unbound e-mail gets an m.room.third_party_invite; onbind invites the bound user, who joins', async () => {
    const alice = await a.createUser('alice');
    const bob = await a.createUser('bob');
    const roomId = await roomWith(a, alice.token);

    expect((await invite3pid(a, alice.token, roomId, 'bob@example.org')).status).toBe(200);
    const stored = is.server!.invites.find((i) => i.request['address'] === 'bob@example.org')!;
    expect([stored.request['room_id'], stored.request['sender']]).toEqual([roomId, alice.userId]);
    const state = await a.request<Record<string, unknown>>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.third_party_invite/${enc(stored.token)}`, alice.token);
    expect(state.status).toBe(200);
    expect(state.body['display_name']).toBe('b...@...');
    expect(state.body['public_key']).toBe(is.server!.longTerm.publicKey);
    expect(state.body['key_validity_url']).toBe(`https://${is.server!.idServer}/_matrix/identity/v2/pubkey/isvalid`);
    expect((state.body['public_keys'] as unknown[]).length).toBe(2);
    expect((await a.ctx.rooms.store.membership(roomId, bob.userId))?.membership).toBeUndefined();

    is.server!.addBinding('bob@example.org', bob.userId);
    const bound = await is.server!.callOnBind(portOf(a), is.server!.onBindBody('bob@example.org', bob.userId));
    expect(bound).toEqual({ status: 200, body: {} });
    const member = await a.ctx.rooms.store.membership(roomId, bob.userId);
    expect(member?.membership).toBe('invite');
    const inviteEvent = (await a.ctx.rooms.store.getEvent(member!.eventId))!.event;
    expect(inviteEvent.sender).toBe(alice.userId);
    const thirdParty = inviteEvent.content['third_party_invite'] as { display_name: string; signed: Record<string, unknown> };
    expect(thirdParty.display_name).toBe('b...@...');
    expect([thirdParty.signed['mxid'], thirdParty.signed['token']]).toEqual([bob.userId, stored.token]);

    expect((await a.request('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/join`, bob.token, {})).status).toBe(200);
    expect((await a.ctx.rooms.store.membership(roomId, bob.userId))?.membership).toBe('join');
  });

  test('a proof signed with another key is refused with M_FORBIDDEN and changes nothing', async () => {
    const alice = await a.createUser('alice2');
    const carol = await a.createUser('carol');
    const roomId = await roomWith(a, alice.token);
    expect((await invite3pid(a, alice.token, roomId, 'carol@example.org')).status).toBe(200);

    const forged = is.server!.onBindBody('carol@example.org', carol.userId, ed25519KeyPair());
    const refused = await is.server!.callOnBind(portOf(a), forged);
    expect(refused.status).toBe(403);
    expect(refused.body['errcode']).toBe('M_FORBIDDEN');
    expect((await a.ctx.rooms.store.membership(roomId, carol.userId))?.membership).toBeUndefined();
    expect((await a.request('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/join`, carol.token, {})).status).toBe(403);
  });

  test('a bound address invites its user directly', async () => {
    const alice = await a.createUser('alice3');
    const dave = await a.createUser('dave');
    const roomId = await roomWith(a, alice.token);
    is.server!.addBinding('dave@example.org', dave.userId);
    const before = is.server!.invites.length;

    expect((await invite3pid(a, alice.token, roomId, 'Dave@Example.org')).status).toBe(200);
    expect(is.server!.invites.length).toBe(before);
    const member = await a.ctx.rooms.store.membership(roomId, dave.userId);
    expect(member?.membership).toBe('invite');
    const event = (await a.ctx.rooms.store.getEvent(member!.eventId))!.event;
    expect([event.sender, event.content['third_party_invite']]).toEqual([alice.userId, undefined]);
  });

  test('errors: missing fields, an inviter outside the room, an identity server that refuses', async () => {
    const alice = await a.createUser('alice4');
    const eve = await a.createUser('eve');
    const roomId = await roomWith(a, alice.token);
    const missing = await a.request('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, alice.token, { id_server: is.server!.idServer, medium: 'email', address: 'x@example.org' });
    expect([missing.status, missing.body['errcode']]).toEqual([400, 'M_MISSING_PARAM']);
    const outsider = await invite3pid(a, eve.token, roomId, 'x@example.org');
    expect([outsider.status, outsider.body['errcode']]).toEqual([403, 'M_FORBIDDEN']);
    const badToken = await invite3pid(a, alice.token, roomId, 'x@example.org', { id_access_token: 'wrong' });
    expect([badToken.status, badToken.body['errcode']]).toEqual([502, 'M_UNKNOWN']);
    const sneaky = await invite3pid(a, alice.token, roomId, 'x@example.org', { id_server: 'is.test/evil' });
    expect([sneaky.status, sneaky.body['errcode']]).toEqual([400, 'M_INVALID_PARAM']);
    expect(is.server!.invites.some((i) => i.request['address'] === 'x@example.org')).toBe(false);
  });

  test("a user of another server redeems through exchange_third_party_invite at the inviter's server and joins", async () => {
    const alice = await a.createUser('alice5');
    const frank = await b.createUser('frank');
    const roomId = await roomWith(a, alice.token);
    expect((await invite3pid(a, alice.token, roomId, 'frank@example.org')).status).toBe(200);

    is.server!.addBinding('frank@example.org', frank.userId);
    const bound = await is.server!.callOnBind(portOf(b), is.server!.onBindBody('frank@example.org', frank.userId));
    expect(bound).toEqual({ status: 200, body: {} });
    const atA = await a.ctx.rooms.store.membership(roomId, frank.userId);
    expect(atA?.membership).toBe('invite');
    expect((await a.ctx.rooms.store.getEvent(atA!.eventId))!.event.content['third_party_invite']).toBeDefined();
    expect((await b.ctx.rooms.store.roomsForUser(frank.userId, ['invite'])).map((r) => r.roomId)).toContain(roomId);

    expect((await b.request('POST', `/_matrix/client/v3/join/${enc(roomId)}`, frank.token, {})).status).toBe(200);
    expect((await a.ctx.rooms.store.membership(roomId, frank.userId))?.membership).toBe('join');
  });
});
