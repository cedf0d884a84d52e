/** The Push Rules API over HTTP: CRUD, ordering, enabled/actions, every bad input, m.push_rules in /sync, effect on notifications. */
import { createRoom, joinRoom, sendMessage } from '../../client-api/test/support/rooms.js';
import { DB_KINDS, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { sync } from '../../sync/test/support/sync-server.js';
import { startPushTestServer, type PushTestServer } from './support/push-server.js';

const enc = encodeURIComponent;
const rulePath = (kind: string, ruleId: string, suffix = '') => v3(`/pushrules/global/${kind}/${enc(ruleId)}${suffix}`);
type Rule = { rule_id: string; default: boolean; enabled: boolean; actions: unknown[]; conditions?: unknown[]; pattern?: string };
type RuleSet = Record<'override' | 'content' | 'room' | 'sender' | 'underride', Rule[]>;

describe.each(DB_KINDS)('push rules API on %s', (kind) => {
  let hs: PushTestServer;
  let alice: Credentials;
  let bob: Credentials;
  beforeAll(async () => {
    hs = await startPushTestServer(kind);
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
  });
  afterAll(() => hs.close());

  const put = (user: Credentials, kindName: string, ruleId: string, body: unknown, query = '') =>
    hs.request('PUT', rulePath(kindName, ruleId) + query, { token: user.access_token, body });
  const rules = async (user: Credentials) => (await hs.request<{ global: RuleSet }>('GET', v3('/pushrules/'), { token: user.access_token })).body.global;
  const ids = (list: Rule[]) => list.filter((r) => !r.default).map((r) => r.rule_id);

  test('GET /pushrules/ and /pushrules/global/ return the server-default rules', async () => {
    const all = await hs.request<{ global: RuleSet }>('GET', v3('/pushrules/'), { token: alice.access_token });
    expect(all.status).toBe(200);
    expect(all.body.global.override[0]).toMatchObject({ rule_id: '.m.rule.master', default: true, enabled: false });
    expect(all.body.global.underride.map((r) => r.rule_id)).toContain('.m.rule.message');
    const global = await hs.request('GET', v3('/pushrules/global/'), { token: alice.access_token });
    expect(global.body).toEqual(all.body.global);
    expect((await hs.request('GET', v3('/pushrules/'))).status).toBe(401);
  });

  test('create, read, replace and delete a rule of each kind', async () => {
    const conditions = [{ kind: 'event_match', key: 'content.body', pattern: 'cake*' }];
    expect((await put(alice, 'override', 'cake', { conditions, actions: ['notify'] })).status).toBe(200);
    expect((await put(alice, 'content', 'lie', { pattern: 'lie', actions: ['notify', { set_tweak: 'highlight' }] })).status).toBe(200);
    expect((await put(alice, 'room', '!room:test.local', { actions: [] })).status).toBe(200);
    expect((await put(alice, 'sender', '@spammer:test.local', { actions: [] })).status).toBe(200);
    expect((await put(alice, 'underride', 'fallback', { conditions: [], actions: ['notify'] })).status).toBe(200);

    const got = await hs.request('GET', rulePath('override', 'cake'), { token: alice.access_token });
    expect(got.body).toEqual({ rule_id: 'cake', default: false, enabled: true, conditions, actions: ['notify'] });
    expect((await hs.request('GET', rulePath('content', 'lie'), { token: alice.access_token })).body).toMatchObject({ pattern: 'lie' });
    const all = await rules(alice);
    // User rules come after .m.rule.master and before the other defaults.
    expect(all.override.map((r) => r.rule_id).slice(0, 2)).toEqual(['.m.rule.master', 'cake']);
    expect(ids(all.room)).toEqual(['!room:test.local']);
    expect(ids(all.sender)).toEqual(['@spammer:test.local']);
    // Other users are unaffected.
    expect(ids((await rules(bob)).override)).toEqual([]);

    // Replacing keeps the rule's place and its enabled flag.
    await hs.request('PUT', rulePath('override', 'cake', '/enabled'), { token: alice.access_token, body: { enabled: false } });
    expect((await put(alice, 'override', 'cake', { conditions: [], actions: [] })).status).toBe(200);
    expect((await hs.request('GET', rulePath('override', 'cake'), { token: alice.access_token })).body).toEqual({
      rule_id: 'cake',
      default: false,
      enabled: false,
      conditions: [],
      actions: [],
    });

    for (const [k, id] of [['override', 'cake'], ['content', 'lie'], ['room', '!room:test.local'], ['sender', '@spammer:test.local'], ['underride', 'fallback']] as const) {
      expect((await hs.request('DELETE', rulePath(k, id), { token: alice.access_token })).status).toBe(200);
      const gone = await hs.request('GET', rulePath(k, id), { token: alice.access_token });
      expect(gone.status).toBe(404);
      expect(gone.body).toMatchObject({ errcode: 'M_NOT_FOUND' });
    }
  });

  test('before/after ordering, and new rules first', async () => {
    const rule = { conditions: [], actions: [] };
    await put(alice, 'override', 'a', rule);
    await put(alice, 'override', 'b', rule); // new without before/after: most important
    expect(ids((await rules(alice)).override)).toEqual(['b', 'a']);
    await put(alice, 'override', 'c', rule, '?after=a');
    expect(ids((await rules(alice)).override)).toEqual(['b', 'a', 'c']);
    await put(alice, 'override', 'd', rule, '?before=a');
    expect(ids((await rules(alice)).override)).toEqual(['b', 'd', 'a', 'c']);
    // Both: before wins.
    await put(alice, 'override', 'e', rule, '?before=b&after=c');
    expect(ids((await rules(alice)).override)).toEqual(['e', 'b', 'd', 'a', 'c']);
    // Moving an existing rule.
    await put(alice, 'override', 'e', rule, '?after=c');
    expect(ids((await rules(alice)).override)).toEqual(['b', 'd', 'a', 'c', 'e']);
    // Updating without before/after keeps the place.
    await put(alice, 'override', 'd', { conditions: [], actions: ['notify'] });
    expect(ids((await rules(alice)).override)).toEqual(['b', 'd', 'a', 'c', 'e']);

    // Relative to a missing rule, a server-default rule, or a rule of another kind: 400, nothing changes.
    for (const query of ['?before=nope', '?after=.m.rule.master', '?before=fallback']) {
      const reply = await put(alice, 'override', 'f', rule, query);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ errcode: 'M_UNKNOWN' });
    }
    expect(ids((await rules(alice)).override)).toEqual(['b', 'd', 'a', 'c', 'e']);
    for (const id of ['a', 'b', 'c', 'd', 'e']) await hs.request('DELETE', rulePath('override', id), { token: alice.access_token });
  });

  test('enabled and actions of user and server-default rules', async () => {
    const master = rulePath('override', '.m.rule.master');
    expect((await hs.request('GET', `${master}/enabled`, { token: alice.access_token })).body).toEqual({ enabled: false });
    expect((await hs.request('PUT', `${master}/enabled`, { token: alice.access_token, body: { enabled: true } })).status).toBe(200);
    expect((await hs.request('GET', `${master}/enabled`, { token: alice.access_token })).body).toEqual({ enabled: true });
    expect((await hs.request('GET', `${master}/enabled`, { token: bob.access_token })).body).toEqual({ enabled: false });
    await hs.request('PUT', `${master}/enabled`, { token: alice.access_token, body: { enabled: false } });

    const message = rulePath('underride', '.m.rule.message');
    const newActions = ['notify', { set_tweak: 'sound', value: 'bing' }];
    expect((await hs.request('PUT', `${message}/actions`, { token: alice.access_token, body: { actions: newActions } })).status).toBe(200);
    expect((await hs.request('GET', `${message}/actions`, { token: alice.access_token })).body).toEqual({ actions: newActions });
    expect((await hs.request('GET', message, { token: alice.access_token })).body).toMatchObject({ default: true, actions: newActions });
    // Historical actions are accepted and dropped.
    await hs.request('PUT', `${message}/actions`, { token: alice.access_token, body: { actions: ['dont_notify'] } });
    expect((await hs.request('GET', `${message}/actions`, { token: alice.access_token })).body).toEqual({ actions: [] });
    await hs.request('PUT', `${message}/actions`, { token: alice.access_token, body: { actions: ['notify'] } });

    await put(alice, 'override', 'mine', { conditions: [], actions: [] });
    expect((await hs.request('PUT', rulePath('override', 'mine', '/enabled'), { token: alice.access_token, body: { enabled: false } })).status).toBe(200);
    expect((await hs.request('GET', rulePath('override', 'mine', '/enabled'), { token: alice.access_token })).body).toEqual({ enabled: false });
    expect((await hs.request('PUT', rulePath('override', 'mine', '/actions'), { token: alice.access_token, body: { actions: ['notify'] } })).status).toBe(200);
    expect((await hs.request('GET', rulePath('override', 'mine'), { token: alice.access_token })).body).toMatchObject({ enabled: false, actions: ['notify'] });
    await hs.request('DELETE', rulePath('override', 'mine'), { token: alice.access_token });

    for (const path of [rulePath('override', 'nope', '/enabled'), rulePath('override', '.m.rule.nope', '/enabled'), rulePath('content', '.m.rule.master', '/enabled')]) {
      const reply = await hs.request('PUT', path, { token: alice.access_token, body: { enabled: true } });
      expect(reply.status).toBe(404);
      expect(reply.body).toMatchObject({ errcode: 'M_NOT_FOUND' });
      expect((await hs.request('GET', path, { token: alice.access_token })).status).toBe(404);
    }
    expect((await hs.request('PUT', rulePath('override', 'nope', '/actions'), { token: alice.access_token, body: { actions: [] } })).status).toBe(404);
  });

  test('bad input: the spec errors and no side effects', async () => {
    const before = await rules(alice);
    const cases: Array<[string, string, unknown, number, string]> = [
      ['override', '.m.rule.mine', { conditions: [], actions: [] }, 400, 'M_INVALID_PARAM'],
      ['override', 'a%2Fb', { conditions: [], actions: [] }, 400, 'M_INVALID_PARAM'],
      ['override', 'a%5Cb', { conditions: [], actions: [] }, 400, 'M_INVALID_PARAM'],
      ['room', 'not-a-room', { actions: [] }, 400, 'M_INVALID_PARAM'],
      ['sender', 'not-a-user', { actions: [] }, 400, 'M_INVALID_PARAM'],
      ['bogus', 'x', { actions: [] }, 400, 'M_INVALID_PARAM'],
      ['override', 'x', { conditions: [] }, 400, 'M_BAD_JSON'],
      ['override', 'x', { actions: 'notify' }, 400, 'M_BAD_JSON'],
      ['override', 'x', { actions: ['explode'] }, 400, 'M_BAD_JSON'],
      ['override', 'x', { actions: [{ set_tweak: 'highlight', value: 'yes' }] }, 400, 'M_BAD_JSON'],
      ['override', 'x', { actions: [{ set_tweak: 'sound' }] }, 400, 'M_BAD_JSON'],
      ['override', 'x', { conditions: 'all', actions: [] }, 400, 'M_BAD_JSON'],
      ['override', 'x', { conditions: [{ kind: 'event_match', key: 'type' }], actions: [] }, 400, 'M_BAD_JSON'],
      ['override', 'x', { conditions: [{ kind: 'event_property_is', key: 'x', value: { a: 1 } }], actions: [] }, 400, 'M_BAD_JSON'],
      ['override', 'x', { conditions: [{ kind: 'event_property_contains', key: 'x', value: 1.5 }], actions: [] }, 400, 'M_BAD_JSON'],
      ['override', 'x', { conditions: [{ kind: 'room_member_count', is: 'many' }], actions: [] }, 400, 'M_BAD_JSON'],
      ['override', 'x', { conditions: [{ kind: 'sender_notification_permission' }], actions: [] }, 400, 'M_BAD_JSON'],
      ['override', 'x', { conditions: [{ nokind: true }], actions: [] }, 400, 'M_BAD_JSON'],
      ['content', 'x', { actions: [] }, 400, 'M_BAD_JSON'],
      ['override', 'x', [1, 2], 400, 'M_BAD_JSON'],
    ];
    for (const [k, id, body, status, errcode] of cases) {
      const reply = await hs.request('PUT', v3(`/pushrules/global/${k}/${id}`), { token: alice.access_token, body });
      expect({ k, id, body, status: reply.status, errcode: (reply.body as { errcode?: string }).errcode }).toEqual({ k, id, body, status, errcode });
    }
    const notJson = await hs.request('PUT', rulePath('override', 'x'), { token: alice.access_token, raw: '{nope', headers: { 'Content-Type': 'application/json' } });
    expect(notJson.body).toMatchObject({ errcode: 'M_NOT_JSON' });
    const badEnabled = await hs.request('PUT', rulePath('override', '.m.rule.master', '/enabled'), { token: alice.access_token, body: { enabled: 'yes' } });
    expect(badEnabled.body).toMatchObject({ errcode: 'M_BAD_JSON' });
    const badActions = await hs.request('PUT', rulePath('underride', '.m.rule.message', '/actions'), { token: alice.access_token, body: { actions: [42] } });
    expect(badActions.body).toMatchObject({ errcode: 'M_BAD_JSON' });
    const missingActions = await hs.request('PUT', rulePath('underride', '.m.rule.message', '/actions'), { token: alice.access_token, body: {} });
    expect(missingActions.body).toMatchObject({ errcode: 'M_BAD_JSON' });
    const deleteDefault = await hs.request('DELETE', rulePath('override', '.m.rule.master'), { token: alice.access_token });
    expect(deleteDefault.status).toBe(400);
    const deleteMissing = await hs.request('DELETE', rulePath('override', 'nope'), { token: alice.access_token });
    expect(deleteMissing.status).toBe(404);
    expect((await hs.request('GET', v3('/pushrules/global/bogus/x'), { token: alice.access_token })).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await hs.request('GET', v3('/pushrules/device/override/x'), { token: alice.access_token })).body).toMatchObject({ errcode: 'M_UNRECOGNIZED' });
    expect((await hs.request('POST', v3('/pushrules/'), { token: alice.access_token, body: {} })).status).toBe(405);
    // Unrecognised condition kinds are stored (they never match).
    expect((await put(alice, 'override', 'future', { conditions: [{ kind: 'org.example.future' }], actions: ['notify'] })).status).toBe(200);
    await hs.request('DELETE', rulePath('override', 'future'), { token: alice.access_token });
    expect(await rules(alice)).toEqual(before);
  });

  test('m.push_rules in /sync account data: initial, after a change, not when unchanged', async () => {
    const initial = await sync(hs, bob);
    const pushRules = (body: { account_data: { events: Array<{ type: string; content: Record<string, unknown> }> } }) =>
      body.account_data.events.find((e) => e.type === 'm.push_rules')?.content as { global: RuleSet } | undefined;
    expect(pushRules(initial)?.global.override[0]!.rule_id).toBe('.m.rule.master');
    const quiet = await sync(hs, bob, { since: initial.next_batch, timeout: 0 });
    expect(pushRules(quiet)).toBeUndefined();
    // A long-poll wakes for the change.
    const waiting = sync(hs, bob, { since: quiet.next_batch, timeout: 10_000 });
    await put(bob, 'override', 'wake', { conditions: [], actions: [] });
    const changed = await waiting;
    expect(ids(pushRules(changed)!.global.override)).toEqual(['wake']);
    const filtered = await sync(hs, bob, { filter: { account_data: { not_types: ['m.push_rules'] } } });
    expect(pushRules(filtered)).toBeUndefined();
    await hs.request('DELETE', rulePath('override', 'wake'), { token: bob.access_token });
  });

  test('rules decide notifications: a room rule silences a room, a sender rule and the master rule too', async () => {
    const room = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, room);
    const start = await sync(hs, bob);
    await sendMessage(hs, alice, room, 'one');
    const counted = async () => (await sync(hs, bob)).rooms.join[room]!.unread_notifications!.notification_count;
    expect(await counted()).toBe(1);
    expect((await put(bob, 'room', room, { actions: [] })).status).toBe(200);
    await sendMessage(hs, alice, room, 'silenced');
    expect(await counted()).toBe(1);
    await hs.request('DELETE', rulePath('room', room), { token: bob.access_token });
    await put(bob, 'sender', alice.user_id, { actions: [] });
    await sendMessage(hs, alice, room, 'silenced by sender');
    expect(await counted()).toBe(1);
    await hs.request('DELETE', rulePath('sender', alice.user_id), { token: bob.access_token });
    await hs.request('PUT', rulePath('override', '.m.rule.master', '/enabled'), { token: bob.access_token, body: { enabled: true } });
    await sendMessage(hs, alice, room, 'silenced by master');
    expect(await counted()).toBe(1);
    await hs.request('PUT', rulePath('override', '.m.rule.master', '/enabled'), { token: bob.access_token, body: { enabled: false } });
    // A content rule that highlights.
    await put(bob, 'content', 'cake', { pattern: 'cake', actions: ['notify', { set_tweak: 'highlight' }] });
    await sendMessage(hs, alice, room, 'there is cake');
    expect((await sync(hs, bob, { since: start.next_batch })).rooms.join[room]!.unread_notifications).toEqual({ notification_count: 2, highlight_count: 1 });
    await hs.request('DELETE', rulePath('content', 'cake'), { token: bob.access_token });
  });
});
