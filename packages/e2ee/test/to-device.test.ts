/** PUT /sendToDevice and to_device in /sync: delivery, acknowledgement, limits, idempotency, bad input. */
import { DB_KINDS, loginAgain, startE2eeTestServer, syncAs, v3, type Credentials, type E2eeTestServer } from './support/e2ee-server.js';


let txn = 0;
const nextTxn = () => `txn${++txn}`;

describe.each(DB_KINDS)('to-device on %s', (kind) => {
  let hs: E2eeTestServer;
  let alice: Credentials;
  let bob: Credentials;
  beforeAll(async () => {
    hs = await startE2eeTestServer(kind);
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
  });
  afterAll(() => hs.close());

  const send = (from: Credentials, type: string, messages: unknown, txnId = nextTxn()) =>
    hs.request('PUT', v3(`/sendToDevice/${encodeURIComponent(type)}/${txnId}`), { token: from.access_token, body: { messages } });
  const sync = (user: Credentials, since?: string, timeout?: number) => syncAs(hs, user, since, timeout);

  test('delivered in order with sender and type; repeated until a later since acknowledges them', async () => {
    const start = await sync(bob);
    for (let i = 0; i < 3; i++) expect((await send(alice, 'm.test', { [bob.user_id]: { [bob.device_id]: { n: i } } })).status).toBe(200);
    const first = await sync(bob, start.next_batch);
    expect(first.to_device.events).toEqual([0, 1, 2].map((n) => ({ type: 'm.test', sender: alice.user_id, content: { n } })));
    // The client did not get the response: retrying with the same since gets the same messages.
    const retry = await sync(bob, start.next_batch);
    expect(retry.to_device.events.map((e) => e.content.n)).toEqual([0, 1, 2]);
    // Acknowledged by the next since: gone for good.
    const next = await sync(bob, retry.next_batch);
    expect(next.to_device.events).toEqual([]);
    const again = await sync(bob, start.next_batch);
    expect(again.to_device.events).toEqual([]);
  });

  test('txnId is idempotent per device; "*" reaches every device of the user', async () => {
    const bob2 = await loginAgain(hs, bob);
    const s1 = await sync(bob);
    const s2 = await sync(bob2);
    const txnId = nextTxn();
    expect((await send(alice, 'm.star', { [bob.user_id]: { '*': { hi: 1 } } }, txnId)).status).toBe(200);
    expect((await send(alice, 'm.star', { [bob.user_id]: { '*': { hi: 1 } } }, txnId)).status).toBe(200);
    // The same txnId from another device of the sender is another transaction.
    const alice2 = await loginAgain(hs, alice);
    expect((await send(alice2, 'm.star', { [bob.user_id]: { [bob2.device_id]: { hi: 2 } } }, txnId)).status).toBe(200);
    expect((await sync(bob, s1.next_batch)).to_device.events.map((e) => e.content)).toEqual([{ hi: 1 }]);
    expect((await sync(bob2, s2.next_batch)).to_device.events.map((e) => e.content)).toEqual([{ hi: 1 }, { hi: 2 }]);
  });

  test('at most 100 per response; the rest on the next', async () => {
    const carol = await hs.createUser('carol');
    const start = await sync(carol);
    for (let i = 0; i < 130; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) => send(alice, 'm.bulk', { [carol.user_id]: { [carol.device_id]: { n: i + j } } }, `bulk-${kind}-${i + j}`)),
      );
    }
    const first = await sync(carol, start.next_batch);
    expect(first.to_device.events).toHaveLength(100);
    const second = await sync(carol, first.next_batch);
    expect(second.to_device.events).toHaveLength(30);
    const all = [...first.to_device.events, ...second.to_device.events].map((e) => e.content.n as number);
    expect(new Set(all).size).toBe(130);
    expect((await sync(carol, second.next_batch)).to_device.events).toEqual([]);
  });

  test('a long-polling sync wakes up for a message', async () => {
    const dave = await hs.createUser('dave');
    const start = await sync(dave);
    const polling = sync(dave, start.next_batch, 20_000);
    await new Promise((r) => setTimeout(r, 200));
    await send(alice, 'm.wake', { [dave.user_id]: { [dave.device_id]: { wake: true } } });
    expect((await polling).to_device.events.map((e) => e.content)).toEqual([{ wake: true }]);
  });

  test('bad input is refused and nothing is delivered', async () => {
    const erin = await hs.createUser('erin');
    const start = await sync(erin);
    const big = { blob: 'x'.repeat(70_000) };
    const tooLarge = await send(alice, 'm.big', { [erin.user_id]: { [erin.device_id]: big } });
    expect([tooLarge.status, (tooLarge.body as { errcode: string }).errcode]).toEqual([413, 'M_TOO_LARGE']);
    expect((await send(alice, 'm.bad', 'nope')).body).toMatchObject({ errcode: 'M_BAD_JSON' });
    expect((await send(alice, 'm.bad', { [erin.user_id]: { [erin.device_id]: 'text' } })).body).toMatchObject({ errcode: 'M_BAD_JSON' });
    expect((await send(alice, 'm.bad', { 'not a user': { D: {} } })).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    const missing = await hs.request('PUT', v3(`/sendToDevice/m.x/${nextTxn()}`), { token: alice.access_token, body: {} });
    expect(missing.body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    // Unknown devices and users are skipped.
    expect((await send(alice, 'm.ok', { [erin.user_id]: { NOPE: {} }, '@ghost:test.local': { '*': {} } })).status).toBe(200);
    expect((await sync(erin, start.next_batch)).to_device.events).toEqual([]);
  });

  test("a deleted device's messages go with it", async () => {
    const frank = await hs.createUser('frank');
    const other = await loginAgain(hs, frank);
    await send(alice, 'm.gone', { [frank.user_id]: { [other.device_id]: { x: 1 } } });
    const before = await hs.db.query('SELECT 1 FROM device_inbox WHERE user_id = $1', [frank.user_id]);
    expect(before.rows).toHaveLength(1);
    expect((await hs.request('POST', v3('/logout'), { token: other.access_token })).status).toBe(200);
    const after = await hs.db.query('SELECT 1 FROM device_inbox WHERE user_id = $1', [frank.user_id]);
    expect(after.rows).toHaveLength(0);
  });
});
