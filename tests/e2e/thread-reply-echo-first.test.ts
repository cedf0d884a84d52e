/**
 * A thread reply whose /sync echo reaches the sender before the answer to its
 * PUT /send. A worker split produces that order now and then (the sync worker
 * wakes as soon as the row arrives, the client reader answers once it has seen
 * the write's positions); here it is forced on one process by holding carol's
 * /send answers until her client has matched the echo to its local echo. The
 * echo must carry unsigned.transaction_id for the sending device (client-server
 * API, "Local echo"), and carol, who opened the thread first as a client UI
 * does, ends with her one reply, sent, in the thread.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MsgType, RoomEvent, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { startMigratedHomeserver, type RunningHomeserver } from '../support/homeserver-process.js';
import { openThread } from '../support/open-thread.js';
import { registeredSyncingClient } from '../support/registered-client.js';
import { eventually } from '../support/wait.js';

let workdir: string;
let server: RunningHomeserver;
const clients: MatrixClient[] = [];

/** What carol's client saw, in order: "echo <event id>" when it matched an echo, "answer <event id>" when a /send answer reached it. */
const seen: string[] = [];
/** unsigned of each event in carol's /sync answers, by event id. */
const syncedUnsigned = new Map<string, Record<string, unknown>>();
/** txn id of each of carol's PUT /send requests, by the event id answered. */
const sentTxnIds = new Map<string, string>();
const echoMatched = new Map<string, () => void>();

function whenEchoMatched(eventId: string): Promise<void> {
  if (seen.includes(`echo ${eventId}`)) return Promise.resolve();
  return new Promise((resolve) => echoMatched.set(eventId, resolve));
}

/** carol's fetch: notes what /sync delivers, and holds each /send answer until its echo was matched. */
const echoFirstFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  const url = new URL(String(input instanceof Request ? input.url : input));
  if (url.pathname.endsWith('/sync') && res.ok) {
    const body = (await res.clone().json()) as { rooms?: { join?: Record<string, { timeline?: { events?: Array<{ event_id: string; unsigned?: Record<string, unknown> }> } }> } };
    for (const room of Object.values(body.rooms?.join ?? {})) {
      for (const ev of room.timeline?.events ?? []) syncedUnsigned.set(ev.event_id, ev.unsigned ?? {});
    }
  }
  const send = /\/send\/[^/]+\/([^/]+)$/.exec(url.pathname);
  if (init?.method === 'PUT' && send && res.ok) {
    const { event_id } = (await res.clone().json()) as { event_id: string };
    sentTxnIds.set(event_id, decodeURIComponent(send[1]!));
    await whenEchoMatched(event_id);
    seen.push(`answer ${event_id}`);
  }
  return res;
};

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), 'lattice-echo-first-'));
  server = await startMigratedHomeserver({
    cwd: workdir,
    env: { LATTICE_ENABLE_REGISTRATION: 'true', LATTICE_ENABLE_REGISTRATION_WITHOUT_VERIFICATION: 'true' },
  });
});

afterAll(async () => {
  for (const c of clients) c.stopClient();
  await server?.stop();
  await rm(workdir, { recursive: true, force: true });
});

test('a thread reply echoed by /sync before its /send answer ends up sent, once, in the thread', async () => {
  const startOpts = { initialSyncLimit: 20, threadSupport: true };
  const alice = await registeredSyncingClient(server.url, 'alice', startOpts);
  const carol = await registeredSyncingClient(server.url, 'carol', startOpts, { fetchFn: echoFirstFetch });
  clients.push(alice, carol);
  // The SDK marks a matched remote echo by giving the local echo its server id and no status.
  carol.on(RoomEvent.LocalEchoUpdated, (ev: MatrixEvent) => {
    const id = ev.getId();
    if (ev.status !== null || !id || id.startsWith('~')) return;
    seen.push(`echo ${id}`);
    echoMatched.get(id)?.();
  });

  const { room_id: roomId } = await alice.createRoom({ invite: ['@carol:localhost'] });
  await eventually('carol is invited', () => carol.getRoom(roomId)?.getMyMembership() === 'invite');
  await carol.joinRoom(roomId);
  const { event_id: root } = await alice.sendTextMessage(roomId, 'start a thread here');

  const thread = await openThread(carol, roomId, root);
  const { event_id: reply } = await carol.sendMessage(roomId, root, { msgtype: MsgType.Text, body: 'in the thread' } as never);

  expect(seen.filter((s) => s.endsWith(reply))).toEqual([`echo ${reply}`, `answer ${reply}`]);
  expect(syncedUnsigned.get(reply)?.transaction_id).toBe(sentTxnIds.get(reply));
  const replies = thread.events.filter((e) => e.getContent().body === 'in the thread');
  expect(replies.map((e) => [e.getId(), e.status])).toEqual([[reply, null]]);
  // Only the sending device gets the transaction id. (Waiting for alice's thread to load its start also
  // keeps its /relations request from outliving the server.)
  const seenByAlice = await eventually('alice sees the reply in the loaded thread', () => {
    const aliceThread = alice.getRoom(roomId)?.getThread(root);
    return aliceThread?.initialEventsFetched && aliceThread.findEventById(reply);
  });
  expect(seenByAlice.getUnsigned().transaction_id).toBeUndefined();
});
