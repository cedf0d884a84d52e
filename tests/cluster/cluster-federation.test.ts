/**
 * The worker split federates with a single-process Lattice, both ways, over
 * TLS with certificate checks against a test CA. The cluster is named
 * 127.0.0.1:<nginx's TLS port>, so the single server reaches its
 * federation-inbound (make_join, send_join, /send, /key) through nginx; the
 * cluster's client reader joins the single server's rooms (make_join and
 * send_join outward), its persister writes them, and its federation sender
 * sends its users' events. Invites, typing, read receipts and end-to-end
 * encryption (keys queried and claimed, room keys as to-device EDUs) cross
 * both ways too. Real matrix-js-sdk clients, each syncing through its own
 * server's front door (nginx on the cluster side).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { MatrixClient } from 'matrix-js-sdk';
import { cryptoClients, expectDecrypts, registerCryptoClient } from '../support/crypto-client.js';
import { createTestCa, type TestCa } from '../../packages/federation/test/support/test-ca.js';
import { FederatingHomeservers, type FederatingServer } from '../support/federating-homeservers.js';
import { registeredSyncingClient } from '../support/registered-client.js';
import { eventually } from '../support/wait.js';
import { startCluster, type RunningCluster } from './support/cluster-process.js';

// Generous: the machine is shared, and a federated hop crosses a handful of processes on each side.
const BOUND_MS = 90_000;

let workdir: string;
let ca: TestCa;
let fleet: FederatingHomeservers;
let single: FederatingServer;
let cluster: RunningCluster;
let alice: MatrixClient; // on the cluster
let bob: MatrixClient; // on the single server

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), 'lattice-cluster-fed-'));
  ca = createTestCa();
  fleet = new FederatingHomeservers(workdir, ca);
  const { certPath, keyPath } = ca.issue(['127.0.0.1']);
  [single, cluster] = await Promise.all([
    fleet.start('single'),
    startCluster({
      tls: { certPath, keyPath },
      extraConfig: { trusted_key_servers: [], federation_custom_ca_list: [ca.caPath], ip_range_whitelist: ['127.0.0.1/32'] },
    }),
  ]);
  [alice, bob] = await Promise.all([registeredSyncingClient(cluster.state.url, 'alice'), registeredSyncingClient(single.hs.url, 'bob')]);
}, 300_000);

afterAll(async () => {
  alice?.stopClient();
  bob?.stopClient();
  for (const c of cryptoClients) c.stopClient();
  await cluster?.stop();
  await fleet?.stopAll();
  ca?.remove();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

function membershipOf(client: MatrixClient, roomId: string, userId: string): string | undefined {
  return client.getRoom(roomId)?.getMember(userId)?.membership;
}

function sees(client: MatrixClient, roomId: string, eventId: string, body: string): boolean {
  const event = client.getRoom(roomId)?.findEventById(eventId);
  return event?.getContent().body === body;
}

async function chat(from: MatrixClient, to: MatrixClient, roomId: string, body: string): Promise<void> {
  const { event_id } = await from.sendTextMessage(roomId, body);
  await eventually(`${to.getUserId()} receives "${body}"`, () => sees(to, roomId, event_id, body), BOUND_MS);
}

/** GET over TLS, trusting only the test CA (as the single server does). */
function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: readFileSync(ca.caPath) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> }));
      })
      .on('error', reject);
  });
}

test('the cluster has the name of its TLS front door, where nginx serves its keys from federation-inbound', async () => {
  expect(cluster.state.serverName).toBe(`127.0.0.1:${new URL(cluster.state.federationUrl!).port}`);
  expect(alice.getUserId()).toBe(`@alice:${cluster.state.serverName}`);
  const keys = await getJson(`${cluster.state.federationUrl}/_matrix/key/v2/server`);
  expect(keys.status).toBe(200);
  expect(keys.body.server_name).toBe(cluster.state.serverName);
  expect(Object.keys(keys.body.verify_keys as object)).toHaveLength(1);
}, BOUND_MS);

test("a single-server user joins a cluster user's room over federation; messages flow both ways; he leaves", async () => {
  const { room_id: roomId } = await alice.createRoom({ name: 'Cluster room', preset: 'public_chat' as never });
  await bob.joinRoom(roomId, { viaServers: [cluster.state.serverName] });
  await eventually('alice sees bob join', () => membershipOf(alice, roomId, bob.getUserId()!) === 'join', BOUND_MS);
  await eventually("bob's server knows alice is in the room", () => membershipOf(bob, roomId, alice.getUserId()!) === 'join', BOUND_MS);

  await chat(alice, bob, roomId, 'hello bob, from the cluster');
  await chat(bob, alice, roomId, 'hi alice, from the single server');
  await chat(alice, bob, roomId, 'and again, after a round trip');

  await bob.leave(roomId);
  await eventually('alice sees bob leave', () => membershipOf(alice, roomId, bob.getUserId()!) === 'leave', BOUND_MS);
}, 4 * BOUND_MS);

test("a cluster user joins a single-server user's room over federation; messages flow both ways", async () => {
  const { room_id: roomId } = await bob.createRoom({ name: 'Single-server room', preset: 'public_chat' as never });
  await alice.joinRoom(roomId, { viaServers: [single.name] });
  await eventually('bob sees alice join', () => membershipOf(bob, roomId, alice.getUserId()!) === 'join', BOUND_MS);
  await eventually("alice's cluster knows bob is in the room", () => membershipOf(alice, roomId, bob.getUserId()!) === 'join', BOUND_MS);

  await chat(bob, alice, roomId, 'welcome to my server, alice');
  await chat(alice, bob, roomId, 'thanks bob, sent from the cluster');
}, 4 * BOUND_MS);

test('an invite received out of band, then the invitee joins at once, without waiting for their sync (the race Synapse fixed in #18075)', async () => {
  // The inviter's /invite returns once the invitee's server accepted the invite; the invitee then joins
  // straight away, naming no server: their server must already know the invite (and through it, where to join).
  const { room_id: toCluster } = await bob.createRoom({ name: 'Invite-only, single server', preset: 'private_chat' as never });
  await bob.invite(toCluster, alice.getUserId()!);
  await alice.joinRoom(toCluster);
  await eventually('bob sees alice join', () => membershipOf(bob, toCluster, alice.getUserId()!) === 'join', BOUND_MS);

  const { room_id: toSingle } = await alice.createRoom({ name: 'Invite-only, cluster', preset: 'private_chat' as never });
  await alice.invite(toSingle, bob.getUserId()!);
  await bob.joinRoom(toSingle);
  await eventually('alice sees bob join', () => membershipOf(alice, toSingle, bob.getUserId()!) === 'join', BOUND_MS);
  await chat(bob, alice, toSingle, 'joined the moment I was invited');
}, 4 * BOUND_MS);

async function typingAndReceipt(from: MatrixClient, to: MatrixClient, roomId: string): Promise<void> {
  // Typing lives on one client reader of the cluster; it reaches the other server as an m.typing EDU.
  await from.sendTyping(roomId, true, 30_000);
  await eventually(`${to.getUserId()} sees ${from.getUserId()} typing`, () => to.getRoom(roomId)?.getMember(from.getUserId()!)?.typing, BOUND_MS);
  const { event_id } = await to.sendTextMessage(roomId, `read me, ${from.getUserId()}`);
  const event = await eventually(`${from.getUserId()} receives the message`, () => from.getRoom(roomId)?.findEventById(event_id), BOUND_MS);
  await from.sendReadReceipt(event);
  await eventually(
    `${to.getUserId()} sees ${from.getUserId()} read it`,
    () => to.getRoom(roomId)?.getUsersReadUpTo(to.getRoom(roomId)!.findEventById(event_id)!).includes(from.getUserId()!),
    BOUND_MS,
  );
}

test('invites cross both ways; typing and read receipts reach the other server', async () => {
  const { room_id: fromCluster } = await alice.createRoom({ name: 'Invite-only on the cluster', preset: 'private_chat' as never });
  await alice.invite(fromCluster, bob.getUserId()!);
  await eventually('bob is invited to the cluster room', () => bob.getRoom(fromCluster)?.getMyMembership() === 'invite', BOUND_MS);
  await bob.joinRoom(fromCluster);
  await eventually('alice sees bob join', () => membershipOf(alice, fromCluster, bob.getUserId()!) === 'join', BOUND_MS);
  await typingAndReceipt(alice, bob, fromCluster);
  await typingAndReceipt(bob, alice, fromCluster);

  const { room_id: fromSingle } = await bob.createRoom({ name: 'Invite-only on the single server', preset: 'private_chat' as never });
  await bob.invite(fromSingle, alice.getUserId()!);
  await eventually('alice is invited to the single-server room', () => alice.getRoom(fromSingle)?.getMyMembership() === 'invite', BOUND_MS);
  await alice.joinRoom(fromSingle);
  await eventually('bob sees alice join', () => membershipOf(bob, fromSingle, alice.getUserId()!) === 'join', BOUND_MS);
  await chat(alice, bob, fromSingle, 'accepted your invite from the cluster');
}, 8 * BOUND_MS);

test('end-to-end encryption across the split: each side decrypts the other (keys queried and claimed, room keys as to-device EDUs)', async () => {
  const [carol, dave] = await Promise.all([
    registerCryptoClient(cluster.state.url, 'carol', 'pw pw pw pw'),
    registerCryptoClient(single.hs.url, 'dave', 'pw pw pw pw'),
  ]);
  const { room_id: roomId } = await carol.createRoom({
    name: 'Encrypted across the split',
    initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
  });
  await carol.invite(roomId, dave.getUserId()!);
  await eventually('dave is invited', () => dave.getRoom(roomId)?.getMyMembership() === 'invite', BOUND_MS);
  await dave.joinRoom(roomId);
  await eventually('carol sees dave join', () => carol.getRoom(roomId)?.getJoinedMemberCount() === 2, BOUND_MS);
  await eventually('carol knows the room is encrypted', () => carol.getCrypto()!.isEncryptionEnabledInRoom(roomId), BOUND_MS);

  const fromCluster = await carol.sendTextMessage(roomId, 'a secret from the cluster');
  await expectDecrypts(dave, roomId, fromCluster.event_id, 'a secret from the cluster');
  await eventually('dave knows the room is encrypted', () => dave.getCrypto()!.isEncryptionEnabledInRoom(roomId), BOUND_MS);
  const fromSingle = await dave.sendTextMessage(roomId, 'a secret from the single server');
  await expectDecrypts(carol, roomId, fromSingle.event_id, 'a secret from the single server');
}, 8 * BOUND_MS);
