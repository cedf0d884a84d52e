/**
 * Setup shortcuts for tests that need rooms: each goes through the real
 * endpoint and throws with the server's answer when it does not succeed, so a
 * broken setup fails loudly at the step that broke.
 */
import { v3, type Credentials, type Reply, type TestServer } from './test-server.js';

let txnCounter = 0;
/** A transaction id unique within the test process. */
export const nextTxnId = (): string => `t${Date.now()}.${++txnCounter}`;

const enc = encodeURIComponent;

function ok<T>(what: string, reply: Reply<T>): T {
  if (reply.status !== 200) throw new Error(`${what} failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

export async function createRoom(hs: TestServer, user: Credentials, body: Record<string, unknown> = {}): Promise<string> {
  const reply = await hs.request<{ room_id: string }>('POST', v3('/createRoom'), { token: user.access_token, body });
  return ok('createRoom', reply).room_id;
}

export async function joinRoom(hs: TestServer, user: Credentials, roomIdOrAlias: string): Promise<string> {
  const reply = await hs.request<{ room_id: string }>('POST', v3(`/join/${enc(roomIdOrAlias)}`), { token: user.access_token, body: {} });
  return ok('join', reply).room_id;
}

export async function invite(hs: TestServer, user: Credentials, roomId: string, target: string): Promise<void> {
  ok('invite', await hs.request('POST', v3(`/rooms/${enc(roomId)}/invite`), { token: user.access_token, body: { user_id: target } }));
}

export async function leaveRoom(hs: TestServer, user: Credentials, roomId: string): Promise<void> {
  ok('leave', await hs.request('POST', v3(`/rooms/${enc(roomId)}/leave`), { token: user.access_token, body: {} }));
}

/** PUT /send; returns the event id. */
export async function sendEvent(hs: TestServer, user: Credentials, roomId: string, type: string, content: Record<string, unknown>): Promise<string> {
  const path = v3(`/rooms/${enc(roomId)}/send/${enc(type)}/${nextTxnId()}`);
  return ok('send', await hs.request<{ event_id: string }>('PUT', path, { token: user.access_token, body: content })).event_id;
}

export function sendMessage(hs: TestServer, user: Credentials, roomId: string, body: string): Promise<string> {
  return sendEvent(hs, user, roomId, 'm.room.message', { msgtype: 'm.text', body });
}

/** PUT /state; returns the event id. */
export async function sendState(
  hs: TestServer,
  user: Credentials,
  roomId: string,
  type: string,
  stateKey: string,
  content: Record<string, unknown>,
): Promise<string> {
  const path = v3(`/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`);
  return ok('state', await hs.request<{ event_id: string }>('PUT', path, { token: user.access_token, body: content })).event_id;
}
