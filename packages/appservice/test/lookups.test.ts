/**
 * Questions the server forwards to appservices: third-party protocol,
 * location and user lookups for the protocols a registration declares, and
 * the user and alias queries for ids in a namespace that do not exist yet.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DB_KINDS, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { startServerWithAppservice, type AppserviceTestServer } from './support/appservice-server.js';
import type { TestAppservice } from './support/test-appservice.js';

const AS_TOKEN = 'as_token_irc';
const HS_TOKEN = 'hs_token_irc';
const enc = encodeURIComponent;

describe.each(DB_KINDS)('appservice lookups (%s)', (kind) => {
  let hs: AppserviceTestServer;
  let irc: TestAppservice;
  let user: Credentials;

  beforeAll(async () => {
    ({ hs, appservice: irc } = await startServerWithAppservice(
      kind,
      {
        id: 'irc',
        asToken: AS_TOKEN,
        hsToken: HS_TOKEN,
        sender: '_irc_bot',
        users: [{ regex: '@irc_.*', exclusive: true }],
        aliases: [{ regex: '#irc_.*', exclusive: true }],
        extra: 'protocols: [irc]',
      },
    ));
    user = await hs.createUser('lookup');
  });

  afterAll(async () => {
    await hs?.close();
    await irc?.close();
  });

  const get = (path: string) => hs.request('GET', v3(path), { token: user.access_token });

  it('lists the protocols appservices declare, with unique instance ids', async () => {
    const reply = await get('/thirdparty/protocols');
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['irc']);
    const protocol = reply.body.irc as { instances: Array<Record<string, unknown>>; user_fields: string[] };
    expect(protocol.user_fields).toEqual(['network', 'nickname']);
    expect(protocol.instances).toEqual([{ desc: 'Example IRC', network_id: 'example', fields: { network: 'irc.example.org' }, instance_id: 'irc|example' }]);
    const one = await get('/thirdparty/protocol/irc');
    expect(one.body).toEqual(reply.body.irc);
  });

  it('answers 404 M_NOT_FOUND for a protocol no appservice declares', async () => {
    for (const path of ['/thirdparty/protocol/xmpp', '/thirdparty/location/xmpp', '/thirdparty/user/xmpp']) {
      const reply = await get(path);
      expect(reply.status).toBe(404);
      expect(reply.body.errcode).toBe('M_NOT_FOUND');
    }
  });

  it('forwards location and user searches with their fields', async () => {
    const locations = await get('/thirdparty/location/irc?network=irc.example.org&channel=matrix');
    expect(locations.status).toBe(200);
    expect(locations.body).toEqual([{ alias: '#irc_matrix:test.local', protocol: 'irc', fields: { network: 'irc.example.org', channel: 'matrix' } }]);
    const users = await get('/thirdparty/user/irc?nickname=bob');
    expect(users.body).toEqual([{ userid: '@irc_bob:test.local', protocol: 'irc', fields: { nickname: 'bob' } }]);
  });

  it('forwards reverse lookups by alias and user id (the parameter is required)', async () => {
    const location = await get(`/thirdparty/location?alias=${enc('#irc_matrix:test.local')}`);
    expect(location.body).toEqual([{ alias: '#irc_matrix:test.local', protocol: 'irc', fields: { channel: '#matrix' } }]);
    const found = await get(`/thirdparty/user?userid=${enc('@irc_bob:test.local')}`);
    expect(found.body).toEqual([{ userid: '@irc_bob:test.local', protocol: 'irc', fields: { nickname: 'someone' } }]);
    const missing = await get('/thirdparty/location');
    expect(missing.status).toBe(400);
    expect(missing.body.errcode).toBe('M_MISSING_PARAM');
  });

  it('needs an access token', async () => {
    const reply = await hs.request('GET', v3('/thirdparty/protocols'));
    expect(reply.status).toBe(401);
  });

  it('asks the appservice about an unknown alias in its namespace, and resolves the alias it then creates', async () => {
    irc.onAliasQuery = async (alias) => {
      // As a bridge does: create the room as its sender and map the alias, then answer 200.
      const created = await hs.request('POST', v3('/createRoom'), { token: AS_TOKEN, body: { room_alias_name: alias.slice(1, alias.indexOf(':')) } });
      return created.status === 200;
    };
    const reply = await get(`/directory/room/${enc('#irc_newchan:test.local')}`);
    expect(irc.aliasQueries).toContain('#irc_newchan:test.local');
    expect(reply.status).toBe(200);
    expect(typeof reply.body.room_id).toBe('string');

    irc.onAliasQuery = async () => false;
    const unknown = await get(`/directory/room/${enc('#irc_nochan:test.local')}`);
    expect(unknown.status).toBe(404);
    expect(irc.aliasQueries).toContain('#irc_nochan:test.local');
    // Outside every namespace nobody is asked.
    const before = irc.aliasQueries.length;
    expect((await get(`/directory/room/${enc('#other:test.local')}`)).status).toBe(404);
    expect(irc.aliasQueries.length).toBe(before);
  });

  it('asks the appservice about an unknown user in its namespace on profile lookup', async () => {
    irc.onUserQuery = async (userId) => {
      const localpart = userId.slice(1, userId.indexOf(':'));
      const reg = await hs.request('POST', v3('/register'), { token: AS_TOKEN, body: { type: 'm.login.application_service', username: localpart, inhibit_login: true } });
      return reg.status === 200;
    };
    const reply = await get(`/profile/${enc('@irc_carol:test.local')}`);
    expect(irc.userQueries).toContain('@irc_carol:test.local');
    expect(reply.status).toBe(200);
    expect(reply.body.displayname).toBe('irc_carol');

    irc.onUserQuery = async () => false;
    expect((await get(`/profile/${enc('@irc_nobody:test.local')}`)).status).toBe(404);
  });
});
