import { jest } from '@jest/globals';
import { generateSigningKey, getRoomVersion } from '@lattice/core';
import { DB_KINDS, startTestServer, type Credentials, type TestServer } from '../../../client-api/test/support/test-server.js';
import { remoteEventsOf } from '../../src/rooms/remote-events.js';
import { FederationSender } from '../../src/sender/federation-sender.js';
import { FakeClient, FakeKeyRing, REMOTE, remoteKey, signedEvent } from './fake-federation.js';
import { outboxSize as countOutbox, roomWithRita as ritaJoins, say as sayIn } from './sender-room.js';
import type { FederationRequest } from '../../src/api.js';

const v10 = getRoomVersion('10')!;

describe.each(DB_KINDS)('federation sender (%s)', (kind) => {
  let server: TestServer;
  let alice: Credentials;
  const keyRing = new FakeKeyRing();
  const client = new FakeClient();
  const delivered: FederationRequest[] = [];

  beforeAll(async () => {
    keyRing.add(REMOTE, remoteKey);
    server = await startTestServer(kind);
    alice = await server.createUser('alice');
  });
  afterAll(() => server.close());

  const deps = () => ({ ctx: server.ctx, serverName: 'test.local', signingKey: generateSigningKey('s'), keyRing, client });

  const roomWithRita = (before?: (roomId: string) => Promise<void>) => ritaJoins(server, alice, before);
  const say = (roomId: string, body: string, txn: string) => sayIn(server, alice, roomId, body, txn);
  const outboxSize = () => countOutbox(server);

  /** Waits (bounded rounds) until the outbox drained. */
  async function drained(sender: FederationSender): Promise<void> {
    for (let i = 0; i < 200 && (await outboxSize()) > 0; i++) {
      await sender.idle();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await outboxSize()).toBe(0);
  }

  test('events queued while the destination is down and while the sender is stopped all arrive, in order, ≤ 50 PDUs per transaction', async () => {
    const roomId = await roomWithRita();
    client.handler = undefined; // unreachable
    const first = new FederationSender(deps(), { initialBackoffMs: 30 });
    await first.start();
    const early = await say(roomId, 'while down', 'd1');
    await first.catchUp();
    await first.idle();
    const { rows: backoff } = await server.db.query<{ retry_interval_ms: string }>('SELECT retry_interval_ms FROM federation_destinations WHERE destination = $1', [REMOTE]);
    expect(Number(backoff[0]?.retry_interval_ms)).toBe(30);
    await first.stop();

    // Sent while no sender runs: found again from the stored position.
    const later: string[] = [];
    for (let i = 0; i < 55; i++) later.push(await say(roomId, `while stopped ${i}`, `s${i}`));

    client.handler = (req) => {
      delivered.push(req);
      return {};
    };
    const second = new FederationSender(deps(), { initialBackoffMs: 30 });
    await second.start();
    await drained(second);
    await second.stop();

    const sends = delivered.filter((r) => r.path.startsWith('/_matrix/federation/v1/send/'));
    const ids = sends.flatMap((r) => (r.body as { pdus: Array<{ content: { body: string } }> }).pdus.map((p) => p.content.body));
    expect(ids).toEqual(['while down', ...later.map((_, i) => `while stopped ${i}`)]);
    expect(sends.every((r) => (r.body as { pdus: unknown[] }).pdus.length <= 50)).toBe(true);
    expect(sends.every((r) => r.destination === REMOTE)).toBe(true);
    // The destination stays listed (admin API), its backoff over.
    const { rows } = await server.db.query('SELECT destination, retry_interval_ms, failing_since_ts FROM federation_destinations');
    expect(rows).toEqual([{ destination: REMOTE, retry_interval_ms: 0, failing_since_ts: null }]);
    expect(early).toBeTruthy();
  });

  test("a catch-up running after a server joined sends it the events from its join on, not the room's older history", async () => {
    // A sender that stops at once: its stored position is before everything below.
    const idle = new FederationSender(deps(), { initialBackoffMs: 30 });
    await idle.start();
    await idle.stop();
    const roomId = await roomWithRita(async (id) => {
      await say(id, 'before rita', 'b1');
    });
    await say(roomId, 'after rita', 'a1');
    const seen: FederationRequest[] = [];
    client.handler = (req) => {
      seen.push(req);
      return {};
    };
    const late = new FederationSender(deps(), { initialBackoffMs: 30 });
    await late.start();
    await drained(late);
    await late.stop();
    const bodies = seen
      .filter((r) => r.path.startsWith('/_matrix/federation/v1/send/'))
      .flatMap((r) => (r.body as { pdus: Array<{ room_id: string; content: { body?: string } }> }).pdus.filter((p) => p.room_id === roomId).map((p) => p.content.body));
    expect(bodies).toEqual(['after rita']);
  });

  test('two sender instances share the destinations: each server gets each event once, from its owner only', async () => {
    const other = 'other.test';
    const otherKey = generateSigningKey('o1');
    keyRing.add(other, otherKey);
    const roomId = await roomWithRita();
    // A member of a second server joins too.
    const store = server.ctx.rooms.store;
    const ev = async (t: string) => (await store.currentStateEvent(roomId, t, ''))!.event;
    const { rows } = await server.db.query<{ event_id: string }>('SELECT event_id FROM event_forward_extremities WHERE room_id = $1', [roomId]);
    const tip = (await store.getEvent(rows[0]!.event_id))!.event;
    const sam = `@sam:${other}`;
    const samJoin = signedEvent(v10, { room_id: roomId, type: 'm.room.member', state_key: sam, sender: sam, content: { membership: 'join' } }, [tip], [await ev('m.room.create'), await ev('m.room.power_levels'), await ev('m.room.join_rules')], { server: other, key: otherKey });
    expect((await remoteEventsOf(server.ctx).acceptEvents(roomId, [{ event: samJoin }]))[0]?.outcome).toBe('accepted');

    const bySender = new Map<string, FederationRequest[]>();
    client.handler = (req) => {
      const list = bySender.get(req.destination) ?? [];
      list.push(req);
      bySender.set(req.destination, list);
      return {};
    };
    const owner = (destination: string) => (destination === REMOTE ? 'a' : 'b');
    const [a, b] = (['a', 'b'] as const).map((name) => new FederationSender(deps(), { instanceName: `federation_sender/${name}`, initialBackoffMs: 30, owns: (d) => owner(d) === name }));
    await Promise.all([a!.start(), b!.start()]);
    const sent = [await say(roomId, 'shared 1', 'sh1'), await say(roomId, 'shared 2', 'sh2')];
    await Promise.all([a!.catchUp(), b!.catchUp()]);
    await drained(a!);
    await drained(b!);
    await Promise.all([a!.stop(), b!.stop()]);
    for (const destination of [REMOTE, other]) {
      const pdus = (bySender.get(destination) ?? [])
        .filter((r) => r.path.startsWith('/_matrix/federation/v1/send/'))
        .flatMap((r) => (r.body as { pdus: Array<{ content: { body?: string } }> }).pdus.map((p) => p.content.body))
        .filter((body) => body?.startsWith('shared'));
      expect([destination, pdus]).toEqual([destination, ['shared 1', 'shared 2']]);
    }
    expect(sent).toHaveLength(2);
  });

  // With destinations idle every local event is a transaction to each of them, so a read that finds
  // nothing costs as much as a useful one (bench/federation-fanout.bench.ts). The senders below are
  // new instances: they start from now, not from the position the senders above left behind.
  const bodiesOf = (requests: FederationRequest[]) =>
    requests.flatMap((r) => (r.body as { pdus: Array<{ content: { body?: string } }> }).pdus.map((p) => p.content.body));
  async function sendAndDrain(sender: FederationSender, roomId: string, body: string): Promise<void> {
    await say(roomId, body, body);
    await sender.catchUp();
    await sender.idle();
    await drained(sender);
  }

  test('a transaction that took all that was queued ends the round: no read of an empty outbox after it', async () => {
    const roomId = await roomWithRita();
    const sends: FederationRequest[] = [];
    client.handler = (req) => {
      sends.push(req);
      return {};
    };
    const sender = new FederationSender(deps(), { instanceName: 'rounds', sweepIntervalMs: 0 });
    await sender.start();
    const take = jest.spyOn(sender.outbox, 'take');
    await sendAndDrain(sender, roomId, 'one');
    expect(take).toHaveBeenCalledTimes(1);

    // An event queued while a transaction is in flight goes in the next round.
    let release: () => void = () => undefined;
    const inFlight = new Promise<void>((r) => (release = r));
    client.handler = async (req) => {
      sends.push(req);
      if (sends.length === 2) await inFlight;
      return {};
    };
    await say(roomId, 'two', 'two');
    await sender.catchUp();
    await say(roomId, 'three', 'three');
    await sender.catchUp();
    release();
    await sendAndDrain(sender, roomId, 'four');
    await sender.stop();
    expect(bodiesOf(sends)).toEqual(['one', 'two', 'three', 'four']);
  });

  test("a destination's backoff is read once, and again only after a transaction to it failed", async () => {
    const roomId = await roomWithRita();
    client.handler = () => ({});
    const sender = new FederationSender(deps(), { instanceName: 'backoff reads', sweepIntervalMs: 0, initialBackoffMs: 30 });
    await sender.start();
    const retryAfter = jest.spyOn(sender.outbox, 'retryAfter');
    await sendAndDrain(sender, roomId, 'first');
    await sendAndDrain(sender, roomId, 'second');
    expect(retryAfter).toHaveBeenCalledTimes(1);

    // Down: the transaction fails and the destination backs off; the retry reads the backoff.
    let attempts = 0;
    client.handler = (req) => {
      if (attempts++ === 0) throw new Error(`${req.destination} is down`);
      return {};
    };
    await sendAndDrain(sender, roomId, 'third');
    await sender.stop();
    expect(attempts).toBe(2);
    expect(retryAfter).toHaveBeenCalledTimes(2);
  });
});
