/** Shortcuts for the timeline tests: the read endpoints, and bulk sends straight through the persister. */
import { startTestServer, type DbKind, type TestServer, type Credentials, type Reply } from '../support/test-server.js';
import { createRoom, joinRoom } from '../support/rooms.js';

export const v1 = (path: string) => `/_matrix/client/v1${path}`;
export const enc = encodeURIComponent;

export interface ClientEvent {
  event_id: string;
  type: string;
  sender: string;
  room_id?: string;
  state_key?: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  unsigned?: Record<string, unknown> & { 'm.relations'?: BundledRelations; membership?: string };
}

export interface BundledRelations {
  'm.replace'?: ClientEvent;
  'm.thread'?: { latest_event: ClientEvent; count: number; current_user_participated: boolean };
  'm.reference'?: { chunk: Array<{ event_id: string }> };
}

export interface MessagesBody {
  start: string;
  end?: string;
  chunk: ClientEvent[];
  state?: ClientEvent[];
}

export function query(params: Record<string, string | number | boolean | object | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${enc(typeof v === 'object' ? JSON.stringify(v) : String(v))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

export function messages(
  hs: TestServer,
  user: Credentials,
  roomId: string,
  params: Record<string, string | number | object | undefined>,
): Promise<Reply<MessagesBody>> {
  return hs.request<MessagesBody>('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/messages${query(params)}`, { token: user.access_token });
}

/** Sends `count` messages from `user` without HTTP (setup only); returns their event ids in order. */
export async function sendMany(hs: TestServer, user: Credentials, roomId: string, count: number, body = (i: number) => `message ${i}`): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const result = await hs.ctx.rooms.persister.createEvent({
      room_id: roomId,
      type: 'm.room.message',
      sender: user.user_id,
      content: { msgtype: 'm.text', body: body(i) },
    });
    ids.push(result.event.event_id);
  }
  return ids;
}

/** Every timeline event id of the room in DAG order, oldest first, from the database. */
export async function allEventIds(hs: TestServer, roomId: string): Promise<string[]> {
  const { rows } = await hs.db.query<{ event_id: string }>(
    `SELECT event_id FROM events WHERE room_id = $1 AND NOT outlier AND rejected_reason IS NULL AND NOT soft_failed
     ORDER BY topological_ordering, stream_ordering`,
    [roomId],
  );
  return rows.map((r) => r.event_id);
}

/** Pages through /messages until `end` is omitted; returns every page. */
export async function paginateAll(
  hs: TestServer,
  user: Credentials,
  roomId: string,
  params: { dir: 'b' | 'f'; limit: number; from?: string; to?: string; filter?: object },
): Promise<MessagesBody[]> {
  const pages: MessagesBody[] = [];
  let from = params.from;
  for (;;) {
    const res = await messages(hs, user, roomId, { ...params, from });
    if (res.status !== 200) throw new Error(`messages failed: ${res.status} ${JSON.stringify(res.body)}`);
    pages.push(res.body);
    if (res.body.end === undefined) return pages;
    if (pages.length > 1000) throw new Error('pagination does not end');
    from = res.body.end;
  }
}

/** The common start of the timeline tests: alice's public room with bob joined; eve stays outside. */
export async function startTimelineRoom(kind: DbKind): Promise<{ hs: TestServer; alice: Credentials; bob: Credentials; eve: Credentials; roomId: string }> {
  const hs = await startTestServer(kind);
  const [alice, bob, eve] = [await hs.createUser('alice'), await hs.createUser('bob'), await hs.createUser('eve')];
  const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
  await joinRoom(hs, bob, roomId);
  return { hs, alice, bob, eve, roomId };
}
