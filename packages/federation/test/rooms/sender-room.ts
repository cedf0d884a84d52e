/**
 * The outbound sender tests' room: one of alice's rooms that rita of
 * REMOTE has joined (accepted as a remote join), so the local events of
 * the room go to REMOTE through the sender's outbox.
 */
import { getRoomVersion, type RoomEvent } from '@lattice/core';
import { v3, type Credentials, type TestServer } from '../../../client-api/test/support/test-server.js';
import { remoteEventsOf } from '../../src/rooms/remote-events.js';
import { REMOTE, signedEvent } from './fake-federation.js';

const v10 = getRoomVersion('10')!;
export const rita = `@rita:${REMOTE}`;
const enc = encodeURIComponent;

/** A room of alice's that rita joined; `before` runs before the join. */
export async function roomWithRita(server: TestServer, alice: Credentials, before: (roomId: string) => Promise<void> = async () => undefined): Promise<string> {
  const created = await server.request<{ room_id: string }>('POST', v3('/createRoom'), { token: alice.access_token, body: { preset: 'public_chat', room_version: '10' } });
  const roomId = created.body.room_id;
  await before(roomId);
  const store = server.ctx.rooms.store;
  const ev = async (t: string) => (await store.currentStateEvent(roomId, t, ''))!.event;
  const { rows } = await server.db.query<{ event_id: string }>('SELECT event_id FROM event_forward_extremities WHERE room_id = $1', [roomId]);
  const tip = (await store.getEvent(rows[0]!.event_id))!.event;
  const join: RoomEvent = signedEvent(v10, { room_id: roomId, type: 'm.room.member', state_key: rita, sender: rita, content: { membership: 'join' } }, [tip], [await ev('m.room.create'), await ev('m.room.power_levels'), await ev('m.room.join_rules')]);
  const outcome = (await remoteEventsOf(server.ctx).acceptEvents(roomId, [{ event: join }]))[0]?.outcome;
  if (outcome !== 'accepted') throw new Error(`rita's join was not accepted: ${outcome}`);
  return roomId;
}

/** Alice's message; returns its event id. */
export async function say(server: TestServer, alice: Credentials, roomId: string, body: string, txn: string): Promise<string> {
  const res = await server.request<{ event_id: string }>('PUT', v3(`/rooms/${enc(roomId)}/send/m.room.message/${txn}`), { token: alice.access_token, body: { msgtype: 'm.text', body } });
  return res.body.event_id;
}

export async function outboxSize(server: TestServer): Promise<number> {
  const { rows } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM federation_outbox');
  return rows[0]!.n;
}
