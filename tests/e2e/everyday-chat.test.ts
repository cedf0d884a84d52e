/**
 * Everyday chat on one server, as people do it with a Matrix client: three
 * matrix-js-sdk clients, each running its own /sync loop against a started
 * homeserver, create a room, invite, join, chat, edit, react, reply in a
 * thread, redact, paginate back, type, send receipts and leave. Every assertion
 * is about what a client SEES through sync.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import sharp from 'sharp';
import os from 'node:os';
import path from 'node:path';
import {
  ClientEvent,
  EventType,
  MsgType,
  RelationType,
  RoomMemberEvent,
  SyncState,
  type MatrixClient,
  type MatrixEvent,
  type Room,
} from 'matrix-js-sdk';
import { startMigratedHomeserver, type RunningHomeserver } from '../support/homeserver-process.js';
import { matrixClient } from '../support/matrix-client.js';
import { openThread } from '../support/open-thread.js';
import { eventually } from '../support/wait.js';

let workdir: string;
let server: RunningHomeserver;
const clients: MatrixClient[] = [];

async function registeredClient(username: string): Promise<MatrixClient> {
  const anon = matrixClient(server.url);
  const uia = await anon.registerRequest({ username, password: 'pw pw pw pw' }).catch((e: { data: { session: string } }) => e.data);
  const reg = await anon.register(username, 'pw pw pw pw', (uia as { session: string }).session, { type: 'm.login.dummy' });
  const client = matrixClient(server.url, { accessToken: reg.access_token, userId: reg.user_id, deviceId: reg.device_id });
  clients.push(client);
  const prepared = new Promise<void>((resolve, reject) => {
    const onSync = (state: SyncState) => {
      if (state === SyncState.Prepared) resolve();
      if (state === SyncState.Error) reject(new Error(`${username}: initial sync failed`));
    };
    client.on(ClientEvent.Sync, onSync);
  });
  await client.startClient({ initialSyncLimit: 20, threadSupport: true });
  await prepared;
  return client;
}

function timelineBodies(room: Room | null): string[] {
  return (room?.getLiveTimeline().getEvents() ?? [])
    .filter((e) => e.getType() === EventType.RoomMessage)
    .map((e) => (e.getContent().body as string | undefined) ?? '<redacted>');
}

function findEvent(room: Room | null, pred: (e: MatrixEvent) => boolean): MatrixEvent | undefined {
  return room?.getLiveTimeline().getEvents().find(pred);
}

let alice: MatrixClient;
let bob: MatrixClient;
let carol: MatrixClient;
let roomId: string;

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), 'lattice-chat-'));
  server = await startMigratedHomeserver({
    cwd: workdir,
    env: { LATTICE_ENABLE_REGISTRATION: 'true', LATTICE_ENABLE_REGISTRATION_WITHOUT_VERIFICATION: 'true' },
  });
  [alice, bob, carol] = await Promise.all([registeredClient('alice'), registeredClient('bob'), registeredClient('carol')]);
});

afterAll(async () => {
  for (const c of clients) c.stopClient();
  await server?.stop();
  await rm(workdir, { recursive: true, force: true });
});

test('create a room and invite: the invitees see the invite through sync and join', async () => {
  const created = await alice.createRoom({ name: 'Lattice chat', preset: 'private_chat' as never, invite: ['@bob:localhost', '@carol:localhost'] });
  roomId = created.room_id;
  await eventually('alice sees her room', () => alice.getRoom(roomId)?.name === 'Lattice chat');
  for (const invitee of [bob, carol]) {
    await eventually('an invite arrives', () => invitee.getRoom(roomId)?.getMyMembership() === 'invite');
    await invitee.joinRoom(roomId);
  }
  await eventually('alice sees both joined', () => alice.getRoom(roomId)?.getJoinedMemberCount() === 3);
});

test('chat: each message reaches the others, in the order sent', async () => {
  // People answer what they have seen: each sender waits until the previous message reached them.
  const lines: Array<[MatrixClient, string]> = [
    [alice, 'hello bob'],
    [bob, 'hi alice'],
    [carol, 'hey both'],
  ];
  for (const [i, [sender, body]] of lines.entries()) {
    if (i > 0) await eventually(`${sender.getUserId()} saw the previous line`, () => timelineBodies(sender.getRoom(roomId)).includes(lines[i - 1]![1]));
    await sender.sendTextMessage(roomId, body);
  }
  for (const c of [alice, bob, carol]) {
    await eventually(`three messages in order for ${c.getUserId()}`, () => {
      const bodies = timelineBodies(c.getRoom(roomId));
      return bodies.slice(-3).join('|') === 'hello bob|hi alice|hey both';
    }).catch((e: Error) => {
      throw new Error(`${e.message}; timeline: ${JSON.stringify(timelineBodies(c.getRoom(roomId)))}`);
    });
  }
});

test('edit, react and reply in a thread', async () => {
  const { event_id: original } = await bob.sendTextMessage(roomId, 'tpyo');
  await bob.sendMessage(roomId, {
    msgtype: MsgType.Text,
    body: '* typo',
    'm.new_content': { msgtype: MsgType.Text, body: 'typo' },
    'm.relates_to': { rel_type: RelationType.Replace, event_id: original },
  } as never);
  await alice.sendEvent(roomId, EventType.Reaction, { 'm.relates_to': { rel_type: RelationType.Annotation, event_id: original, key: '👍' } } as never);
  // Carol opens the thread before replying in it, as a client UI does (see openThread for why the SDK needs it).
  const carolsThread = await openThread(carol, roomId, original);
  await carol.sendMessage(roomId, original, { msgtype: MsgType.Text, body: 'in the thread' } as never);

  const room = () => alice.getRoom(roomId);
  await eventually('alice sees the edit applied', () => findEvent(room(), (e) => e.getId() === original)?.getContent().body === 'typo');
  await eventually('the reaction arrives', () => findEvent(room(), (e) => e.getType() === EventType.Reaction));
  // A loaded thread (initialEventsFetched) has no GET /event or /relations of its own still in flight.
  await eventually('the thread reply is in a loaded thread', () => room()?.getThread(original)?.initialEventsFetched && room()?.getThread(original)?.events.some((e) => e.getContent().body === 'in the thread')).catch((e: Error) => {
    const r = room();
    throw new Error(`${e.message}; threads: ${JSON.stringify(r?.getThreads().map((t) => [t.id, t.events.map((x) => x.getContent().body)]))}; timeline: ${JSON.stringify(r?.getLiveTimeline().getEvents().map((x) => [x.getType(), x.getContent().body, x.threadRootId]))}`);
  });
  await eventually("carol's thread has loaded", () => carolsThread.initialEventsFetched);
});

test('redact: the others see the content removed', async () => {
  const { event_id } = await carol.sendTextMessage(roomId, 'oops, secret');
  await eventually('bob sees it', () => findEvent(bob.getRoom(roomId), (e) => e.getId() === event_id));
  await carol.redactEvent(roomId, event_id);
  await eventually('bob sees it redacted', () => findEvent(bob.getRoom(roomId), (e) => e.getId() === event_id)?.isRedacted());
  expect(findEvent(bob.getRoom(roomId), (e) => e.getId() === event_id)?.getContent()).toEqual({});
});

test('typing and read receipts show up for the others', async () => {
  const typingSeen = new Promise<void>((resolve) => {
    const check = () => {
      const member = bob.getRoom(roomId)?.getMember('@alice:localhost');
      if (member?.typing) resolve();
    };
    bob.on(RoomMemberEvent.Typing, check);
  });
  await alice.sendTyping(roomId, true, 10_000);
  await typingSeen;

  const { event_id } = await alice.sendTextMessage(roomId, 'read me');
  const seen = await eventually('bob sees the message', () => findEvent(bob.getRoom(roomId), (e) => e.getId() === event_id));
  await bob.sendReadReceipt(seen);
  await eventually('alice sees bob has read it', () => alice.getRoom(roomId)?.getUsersReadUpTo(findEvent(alice.getRoom(roomId), (e) => e.getId() === event_id)!).includes('@bob:localhost'));
});

test('paginate back: a fresh client pages through a long history', async () => {
  for (let i = 0; i < 60; i++) await alice.sendTextMessage(roomId, `history ${i}`);
  const fresh = matrixClient(server.url, { accessToken: bob.getAccessToken()!, userId: bob.getUserId()!, deviceId: bob.getDeviceId()! });
  clients.push(fresh);
  await fresh.startClient({ initialSyncLimit: 5 });
  const room = await eventually('the room is synced', () => fresh.getRoom(roomId));
  expect(timelineBodies(room).length).toBeLessThanOrEqual(5);
  while (room.oldState.paginationToken && !timelineBodies(room).includes('hello bob')) {
    await fresh.scrollback(room, 30);
  }
  const bodies = timelineBodies(room);
  expect(bodies).toContain('hello bob');
  const history = bodies.filter((b) => b.startsWith('history '));
  expect(history).toEqual(Array.from({ length: 60 }, (_, i) => `history ${i}`));
});

test('share an image: bob downloads it and a thumbnail through authenticated media', async () => {
  const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3366cc' } }).png().toBuffer();
  const { content_uri } = await alice.uploadContent(png, { type: 'image/png', name: 'photo.png' });
  await alice.sendMessage(roomId, { msgtype: MsgType.Image, body: 'photo.png', url: content_uri, info: { mimetype: 'image/png', w: 640, h: 480 } } as never);
  const image = await eventually('bob sees the image', () => findEvent(bob.getRoom(roomId), (e) => e.getContent().url === content_uri));

  const auth = { headers: { Authorization: `Bearer ${bob.getAccessToken()}` } };
  const download = await fetch(bob.mxcUrlToHttp(image.getContent().url as string, undefined, undefined, undefined, false, true, true)!, auth);
  expect(download.status).toBe(200);
  expect(Buffer.from(await download.arrayBuffer()).equals(png)).toBe(true);

  const thumbUrl = bob.mxcUrlToHttp(content_uri, 96, 96, 'crop', false, true, true)!;
  const thumb = await fetch(thumbUrl, auth);
  expect(thumb.status).toBe(200);
  const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
  expect([meta.width, meta.height]).toEqual([96, 96]);
});

test('leave: the leaver stops receiving, the others see the leave', async () => {
  await carol.leave(roomId);
  await eventually('alice sees carol left', () => alice.getRoom(roomId)?.getMember('@carol:localhost')?.membership === 'leave');
  await alice.sendTextMessage(roomId, 'after carol left');
  await eventually('bob gets it', () => timelineBodies(bob.getRoom(roomId)).includes('after carol left'));
  expect(timelineBodies(carol.getRoom(roomId))).not.toContain('after carol left');
});
