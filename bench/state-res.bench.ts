/**
 * State resolution of two forks of a large room: ~10,000 members (every one with
 * their join in the auth DAG) and a few hundred conflicted events (bans, kicks,
 * display-name changes, topics, power levels). Prints ms per resolution for v2
 * (room v10) and v2.1 (room v12), and the longest synchronous slice of
 * resolveStateSliced measured from outside (the largest gap between event-loop
 * turns while it runs).
 * Run: npx tsc -b && npx tsc -b bench && node bench/dist/state-res.bench.js [members]
 */
import {
  authEventKeys,
  authorizeEvent,
  getRoomVersion,
  resolveState,
  resolveStateSliced,
  stateKeyOf,
  type RoomEvent,
  type RoomVersion,
  type StateMap,
} from '@lattice/core';
import { measureLatency } from './lib/measure.js';

const MEMBERS = Number(process.argv[2] ?? 10_000);
const MODERATORS = 20;
const ALICE = '@alice:a.example';
const user = (i: number) => `@u${i}:${i % 2 ? 'b' : 'c'}.example`;

interface Fork {
  events: Map<string, RoomEvent>;
  state: StateMap;
  last: string;
  depth: number;
}

/** Appends a state event to a fork, citing its auth events from the fork's state;
 *  every event is checked against that state so the history is a valid one. */
function append(version: RoomVersion, fork: Fork, roomId: string, type: string, sender: string, stateKey: string, content: Record<string, unknown>): string {
  const id = `$e${fork.events.size}`;
  // A v12 room id is the create event's id with the `!` sigil.
  if (type === 'm.room.create' && version.roomIdFromCreateEvent) roomId = `!${id.slice(1)}`;
  const auth = authEventKeys({ type, sender, state_key: stateKey, content }, version)
    .map(([t, k]) => fork.state.get(stateKeyOf(t, k)))
    .filter((x): x is string => x !== undefined);
  fork.depth++;
  const event: RoomEvent = {
    event_id: id,
    room_id: roomId,
    type,
    sender,
    state_key: stateKey,
    content,
    origin_server_ts: 1_700_000_000_000 + fork.depth * 10 + (fork.events.size % 7),
    depth: fork.depth,
    prev_events: fork.last === '' ? [] : [fork.last],
    auth_events: auth,
    hashes: { sha256: 'x' },
    signatures: {},
  };
  const allowed = authorizeEvent(event, (t, k) => fork.events.get(fork.state.get(stateKeyOf(t, k)) ?? ''), version);
  if (!allowed.ok) throw new Error(`bench room is invalid: ${allowed.reason}`);
  fork.events.set(id, event);
  fork.state.set(stateKeyOf(type, stateKey), id);
  fork.last = id;
  return roomId;
}

function buildRoom(version: RoomVersion) {
  const base: Fork = { events: new Map(), state: new Map(), last: '', depth: 0 };
  const createContent = version.implicitRoomCreator ? { room_version: version.id } : { room_version: version.id, creator: ALICE };
  const roomId = append(version, base, '!room:a.example', 'm.room.create', ALICE, '', createContent);
  append(version, base, roomId, 'm.room.member', ALICE, ALICE, { membership: 'join' });
  const users: Record<string, number> = version.privilegedCreators ? {} : { [ALICE]: 100 };
  for (let i = 0; i < MODERATORS; i++) users[user(i)] = 50;
  append(version, base, roomId, 'm.room.power_levels', ALICE, '', { users });
  append(version, base, roomId, 'm.room.join_rules', ALICE, '', { join_rule: 'public' });
  for (let i = 0; i < MEMBERS; i++) append(version, base, roomId, 'm.room.member', user(i), user(i), { membership: 'join' });

  const fork = (): Fork => ({ events: base.events, state: new Map(base.state), last: base.last, depth: base.depth });
  const a = fork();
  const b = fork();
  // Fork A: moderators ban 120 members and kick 60, set topics, Alice promotes a member.
  for (let i = 0; i < 120; i++) append(version, a, roomId, 'm.room.member', user(i % MODERATORS), user(1000 + i), { membership: 'ban' });
  for (let i = 0; i < 60; i++) append(version, a, roomId, 'm.room.member', user(i % MODERATORS), user(2000 + i), { membership: 'leave' });
  for (let i = 0; i < 10; i++) append(version, a, roomId, 'm.room.topic', user(i), '', { topic: `a${i}` });
  // Two changes of the power levels: the first is superseded on fork A only, so the
  // auth difference has to walk the whole room's auth chain to place it (the worst case).
  append(version, a, roomId, 'm.room.power_levels', ALICE, '', { users: { ...users, [user(3000)]: 50 } });
  append(version, a, roomId, 'm.room.power_levels', ALICE, '', { users: { ...users, [user(3000)]: 50, [user(3001)]: 50 } });
  // Fork B: 200 members change their display names (some of them banned on fork A),
  // a moderator sets the topic and the room name.
  for (let i = 0; i < 200; i++) append(version, b, roomId, 'm.room.member', user(1000 + i * 7), user(1000 + i * 7), { membership: 'join', displayname: `n${i}` });
  append(version, b, roomId, 'm.room.topic', user(5), '', { topic: 'b' });
  append(version, b, roomId, 'm.room.name', user(6), '', { name: 'b' });
  return { events: base.events, sets: [a.state, b.state] };
}

interface Stall {
  /** The largest gap between consecutive setImmediate turns, in ms of wall time. */
  wall: number;
  /** The largest CPU time (this process, all threads) spent within one such gap: on a
   *  loaded machine a gap also counts the time the thread was not scheduled. */
  cpu: number;
}

/** The event-loop stalls while `work` runs. */
async function stalls(work: () => Promise<unknown>): Promise<Stall> {
  const worst: Stall = { wall: 0, cpu: 0 };
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let running = true;
  const tick = (): void => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    worst.wall = Math.max(worst.wall, now - last);
    worst.cpu = Math.max(worst.cpu, (cpu.user + cpu.system) / 1000);
    last = now;
    lastCpu = process.cpuUsage();
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  await work();
  await new Promise((resolve) => setImmediate(resolve)); // let the last gap be measured
  running = false;
  return worst;
}

async function worstStall(runs: number, work: () => Promise<unknown>): Promise<Stall> {
  const worst: Stall = { wall: 0, cpu: 0 };
  for (let i = 0; i < runs; i++) {
    const s = await stalls(work);
    worst.wall = Math.max(worst.wall, s.wall);
    worst.cpu = Math.max(worst.cpu, s.cpu);
  }
  return worst;
}

const show = (label: string, s: Stall, note: string) =>
  console.log(`${label.padEnd(48)} ${s.wall.toFixed(2)} ms wall, ${s.cpu.toFixed(2)} ms CPU ${note}`);

for (const id of ['10', '12']) {
  const version = getRoomVersion(id)!;
  const { events, sets } = buildRoom(version);
  const getEvent = (eventId: string) => events.get(eventId);
  let conflicted = 0;
  for (const [k, v] of sets[0]!) if (sets[1]!.get(k) !== v) conflicted++;
  for (const k of sets[1]!.keys()) if (!sets[0]!.has(k)) conflicted++;
  const algorithm = version.stateResolution;
  console.log(`room v${id} (${algorithm}): ${MEMBERS} members, ${events.size} events, ${conflicted} conflicted keys`);

  const resolved = resolveState(version, sets, getEvent);
  const sliced = await resolveStateSliced(version, sets, getEvent);
  if (resolved.size !== sliced.size) throw new Error('sliced and synchronous results differ');
  for (let i = 0; i < 10; i++) resolveState(version, sets, getEvent); // warm up the JIT

  await measureLatency(`resolveState ${algorithm}`, async () => void resolveState(version, sets, getEvent), 30);
  await measureLatency(`resolveStateSliced ${algorithm} (10 ms slices)`, async () => void (await resolveStateSliced(version, sets, getEvent)), 30);
  show(`longest event-loop stall, sliced ${algorithm}`, await worstStall(10, () => resolveStateSliced(version, sets, getEvent)), '(worst of 10 runs)');
  show(`event-loop stall, synchronous ${algorithm}`, await worstStall(3, async () => resolveState(version, sets, getEvent)), '(for comparison)');
}
