/**
 * Transactions pushed to a real HTTP appservice: the events of rooms it is
 * interested in, in stream order, with typing and receipts
 * (receive_ephemeral), retried with the same txn id after a 500, and
 * delivered after a restart when they were persisted while no sender ran.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DB_KINDS, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { createRoom, invite, sendEvent } from '../../client-api/test/support/rooms.js';
import { startServerWithAppservice, type AppserviceTestServer } from './support/appservice-server.js';
import type { ReceivedTxn, TestAppservice } from './support/test-appservice.js';

const AS_TOKEN = 'as_token_txn';
const HS_TOKEN = 'hs_token_txn';
const enc = encodeURIComponent;

const events = (txns: ReceivedTxn[]) => txns.flatMap((t) => t.body.events);
const bodies = (txns: ReceivedTxn[]) => events(txns).flatMap((e) => (e.type === 'm.room.message' ? [(e.content as { body: string }).body] : []));
const ephemeral = (txns: ReceivedTxn[]) => txns.flatMap((t) => t.body.ephemeral ?? []);

describe.each(DB_KINDS)('appservice transactions (%s)', (kind) => {
  let hs: AppserviceTestServer;
  let bridge: TestAppservice;
  let alice: Credentials;
  let roomId: string;

  beforeAll(async () => {
    ({ hs, appservice: bridge } = await startServerWithAppservice(
      kind,
      {
        id: 'bridge',
        asToken: AS_TOKEN,
        hsToken: HS_TOKEN,
        sender: '_bridge_bot',
        users: [{ regex: '@_bridge_.*', exclusive: true }],
        aliases: [{ regex: '#bridged_.*', exclusive: false }],
        extra: 'receive_ephemeral: true',
      },
    ));
    alice = await hs.createUser('alice');
    const reg = await hs.request('POST', v3('/register'), { token: AS_TOKEN, body: { type: 'm.login.application_service', username: '_bridge_puppet', inhibit_login: true } });
    expect(reg.status).toBe(200);
    roomId = await createRoom(hs, alice);
    await invite(hs, alice, roomId, '@_bridge_puppet:test.local');
    const join = await hs.request('POST', v3(`/join/${enc(roomId)}?user_id=${enc('@_bridge_puppet:test.local')}`), { token: AS_TOKEN, body: {} });
    expect(join.status).toBe(200);
  });

  afterAll(async () => {
    await hs?.close();
    await bridge?.close();
  });

  it('pushes the events of a room with one of its users, in order, with the hs_token', async () => {
    for (let i = 1; i <= 5; i++) await sendEvent(hs, alice, roomId, 'm.room.message', { msgtype: 'm.text', body: `m${i}` });
    await bridge.waitFor((t) => bodies(t).includes('m5'), 'm5');
    expect(bodies(bridge.transactions)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    const all = events(bridge.transactions);
    // The invite and join of its user came first (the member event's state_key is in its namespace).
    const memberships = all.filter((e) => e.type === 'm.room.member' && e.state_key === '@_bridge_puppet:test.local').map((e) => (e.content as { membership: string }).membership);
    expect(memberships).toEqual(['invite', 'join']);
    expect(all.every((e) => e.room_id === roomId && typeof e.event_id === 'string' && typeof e.origin_server_ts === 'number')).toBe(true);
    // Transaction ids increase and never repeat.
    const ids = bridge.transactions.map((t) => Number(t.txnId));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('leaves out rooms it has no interest in, and includes rooms with an alias in its namespace', async () => {
    const carol = await hs.createUser('carol');
    const privateRoom = await createRoom(hs, carol);
    await sendEvent(hs, carol, privateRoom, 'm.room.message', { msgtype: 'm.text', body: 'secret' });
    const aliased = await createRoom(hs, carol, { room_alias_name: 'bridged_lobby' });
    await sendEvent(hs, carol, aliased, 'm.room.message', { msgtype: 'm.text', body: 'lobby' });
    await bridge.waitFor((t) => bodies(t).includes('lobby'), 'the aliased room message');
    expect(bodies(bridge.transactions)).not.toContain('secret');
  });

  it('pushes typing and read receipts of its rooms as ephemeral data with room_id', async () => {
    const eventId = await sendEvent(hs, alice, roomId, 'm.room.message', { msgtype: 'm.text', body: 'read me' });
    const typing = await hs.request('PUT', v3(`/rooms/${enc(roomId)}/typing/${enc(alice.user_id)}`), { token: alice.access_token, body: { typing: true, timeout: 30000 } });
    expect(typing.status).toBe(200);
    const receipt = await hs.request('POST', v3(`/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`), { token: alice.access_token, body: {} });
    expect(receipt.status).toBe(200);
    await bridge.waitFor(
      (t) => ephemeral(t).some((e) => e.type === 'm.typing') && ephemeral(t).some((e) => e.type === 'm.receipt'),
      'typing and a receipt',
    );
    const typingEvent = ephemeral(bridge.transactions).find((e) => e.type === 'm.typing')!;
    expect(typingEvent).toEqual({ type: 'm.typing', room_id: roomId, content: { user_ids: [alice.user_id] } });
    const receiptEvent = ephemeral(bridge.transactions).find((e) => e.type === 'm.receipt')!;
    expect(receiptEvent.room_id).toBe(roomId);
    expect((receiptEvent.content as Record<string, Record<string, Record<string, unknown>>>)[eventId]!['m.read']![alice.user_id]).toMatchObject({ ts: expect.any(Number) });
    // MSC2409's name carries the same list.
    const withEphemeral = bridge.transactions.find((t) => (t.body.ephemeral ?? []).length > 0)!;
    expect(withEphemeral.body['de.sorunome.msc2409.ephemeral']).toEqual(withEphemeral.body.ephemeral);
  });

  it('retries a transaction the appservice failed with the same txn id and the same events', async () => {
    const before = bridge.attempts.length;
    bridge.failNext(2);
    await sendEvent(hs, alice, roomId, 'm.room.message', { msgtype: 'm.text', body: 'after failure' });
    await bridge.waitFor((t) => bodies(t).includes('after failure'), 'the retried event');
    const attempts = bridge.attempts.slice(before);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    // The two failed attempts and the successful one carry the same id.
    expect(new Set(attempts.slice(0, 3)).size).toBe(1);
    const delivered = bridge.transactions.find((t) => t.txnId === attempts[0])!;
    expect(bodies([delivered])).toEqual(['after failure']);
  });

  it('delivers events persisted while the sender was stopped once it runs again', async () => {
    await hs.sender.stop();
    for (const body of ['offline 1', 'offline 2', 'offline 3']) await sendEvent(hs, alice, roomId, 'm.room.message', { msgtype: 'm.text', body });
    expect(bodies(bridge.transactions)).not.toContain('offline 1');
    await hs.restartSender();
    await bridge.waitFor((t) => bodies(t).includes('offline 3'), 'the events sent while stopped');
    const all = bodies(bridge.transactions);
    expect(all.slice(all.indexOf('offline 1'))).toEqual(['offline 1', 'offline 2', 'offline 3']);
    // Nothing was delivered twice.
    expect(new Set(events(bridge.transactions).map((e) => e.event_id)).size).toBe(events(bridge.transactions).length);
  });

  it('resends a transaction stored before a crash with its id after the restart', async () => {
    await hs.sender.stop();
    bridge.failNext(1_000);
    await hs.restartSender();
    await sendEvent(hs, alice, roomId, 'm.room.message', { msgtype: 'm.text', body: 'survives' });
    // Wait until the transaction was built, stored and tried once.
    const tried = bridge.attempts.length;
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (bridge.attempts.length > tried) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    const failedId = bridge.attempts.at(-1)!;
    await hs.sender.stop();
    bridge.failNext(0);
    await hs.restartSender();
    await bridge.waitFor((t) => bodies(t).includes('survives'), 'the stored transaction');
    expect(bridge.transactions.find((t) => bodies([t]).includes('survives'))!.txnId).toBe(failedId);
  });
});
