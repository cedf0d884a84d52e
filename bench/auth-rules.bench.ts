/** Throughput of the auth rules on the state-resolution hot path: a v10 and a v12
 *  room with 10,000 members and a 100-user power levels event. */
import { authorizeEvent, getRoomVersion, type RoomVersion, type StateLookup } from '@lattice/core';
import { measure } from './lib/measure.js';

type RoomEvent = Parameters<typeof authorizeEvent>[0];
const stateKeyOf = (type: string, stateKey: string) => `${type}\u0000${stateKey}`;

let n = 0;
function ev(roomId: string, type: string, sender: string, content: Record<string, unknown>, stateKey?: string): RoomEvent {
  const e: RoomEvent = {
    event_id: `$e${++n}`,
    room_id: roomId,
    type,
    sender,
    content,
    origin_server_ts: n,
    depth: n,
    prev_events: ['$p'],
    auth_events: [],
    hashes: { sha256: 'x' },
    signatures: { 'a.example': { 'ed25519:a': 's' } },
  };
  if (stateKey !== undefined) e.state_key = stateKey;
  return e;
}

function room(version: RoomVersion): { lookup: StateLookup; roomId: string } {
  const state = new Map<string, RoomEvent>();
  const put = (e: RoomEvent) => state.set(stateKeyOf(e.type, e.state_key!), e);
  const roomId = version.roomIdFromCreateEvent ? '!create' : '!room:a.example';
  const create = ev(roomId, 'm.room.create', '@admin:a.example', { room_version: version.id, creator: '@admin:a.example' }, '');
  create.event_id = '$create';
  create.prev_events = [];
  put(create);
  const users: Record<string, number> = version.privilegedCreators ? {} : { '@admin:a.example': 100 };
  for (let i = 0; i < 100; i++) users[`@mod${i}:a.example`] = 50;
  put(ev(roomId, 'm.room.power_levels', '@admin:a.example', { users, ban: 50, kick: 50, events: { 'm.room.name': 50 } }, ''));
  put(ev(roomId, 'm.room.join_rules', '@admin:a.example', { join_rule: 'public' }, ''));
  put(ev(roomId, 'm.room.member', '@admin:a.example', { membership: 'join' }, '@admin:a.example'));
  for (let i = 0; i < 100; i++) put(ev(roomId, 'm.room.member', `@mod${i}:a.example`, { membership: 'join' }, `@mod${i}:a.example`));
  for (let i = 0; i < 10_000; i++) put(ev(roomId, 'm.room.member', `@u${i}:b.example`, { membership: 'join' }, `@u${i}:b.example`));
  return { lookup: (t, k) => state.get(stateKeyOf(t, k)), roomId };
}

for (const id of ['10', '12']) {
  const version = getRoomVersion(id)!;
  const { lookup, roomId } = room(version);
  const message = ev(roomId, 'm.room.message', '@u42:b.example', { body: 'hi' });
  const join = ev(roomId, 'm.room.member', '@new:c.example', { membership: 'join' }, '@new:c.example');
  const kick = ev(roomId, 'm.room.member', '@mod3:a.example', { membership: 'leave' }, '@u7:b.example');
  const users: Record<string, number> = version.privilegedCreators ? {} : { '@admin:a.example': 100 };
  for (let i = 0; i < 100; i++) users[`@mod${i}:a.example`] = 50;
  users['@u1:b.example'] = 10;
  const pl = ev(roomId, 'm.room.power_levels', '@mod1:a.example', { users, ban: 50, kick: 50, events: { 'm.room.name': 50 } }, '');
  for (const [name, e] of [['message', message], ['public join', join], ['kick', kick], ['power levels change (100 users)', pl]] as const) {
    if (!authorizeEvent(e, lookup, version).ok) throw new Error(`${name} should be allowed`);
    measure(`auth v${id}: ${name}`, () => void authorizeEvent(e, lookup, version));
  }
}
