/**
 * The fan-out bench's other process (federation-fanout.bench.ts forks it, so
 * the Lattice server's process runs the server alone): the mock destinations,
 * and the local users' clients, which send messages over the Client-Server API
 * as fast as the server accepts them. Each phase ends when every destination
 * has received every one of its events. Driven over the IPC channel.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { getRoomVersion } from '@lattice/core';
import { startMockDestinations, type MockDestinations } from './mock-destinations.js';

export interface DestinationsStart {
  type: 'start';
  count: number;
  certPath: string;
  keyPath: string;
  roomVersion: string;
  origin: string;
  originKeyId: string;
  originPublicKey: string;
}

/** Each token's user sends `perSender` messages, one after another; the users send at the same time. */
export interface DestinationsRun {
  type: 'run';
  clientBase: string;
  roomId: string;
  tokens: string[];
  perSender: number;
  label: string;
}

/** What the destinations saw of one phase. */
export interface PhaseFigures {
  events: number;
  /** The phase's start to the last send's answer (0: the events were queued before the phase). */
  sendSecs: number;
  /** The phase's start to the last PDU's arrival at the last destination. */
  deliverSecs: number;
  transactions: number;
  /** TLS connections opened. */
  connections: number;
  pdus: number;
  edus: number;
  /** Most transactions in flight to one destination at once. */
  maxInFlight: number;
  maxPdusPerTransaction: number;
  /** CPU of this process (mocks and clients), seconds. */
  cpuSecs: number;
  /** Share of the phase this process's event loop was busy. */
  eventLoopBusy: number;
}

/** After the sender drained its outbox: did every destination get every sent event exactly once? */
export interface ExactlyOnce {
  expected: number;
  missing: number;
  duplicates: number;
  /** Events received that were not sent in a phase. */
  unknown: number;
  signaturesChecked: number;
}

/**
 * hold: the destinations stop answering (the bench then queues events in the server itself);
 * release: they answer again, and the phase is the delivery of `eventIds`.
 */
export type ToDestinations = DestinationsStart | DestinationsRun | { type: 'hold' } | { type: 'release'; eventIds: string[] } | { type: 'check' };
export type FromDestinations =
  | { type: 'ready'; names: string[] }
  | { type: 'held' }
  | ({ type: 'delivered' } & PhaseFigures)
  | ({ type: 'checked' } & ExactlyOnce);

/** Event id → destinations that received it (each counted once); and when the latest first arrival was. */
const arrivals = new Map<string, number>();
let lastArrival = 0;
/** While a phase waits for delivery: its events not yet at every destination. */
let outstanding: { ids: Set<string>; left: number; done: () => void } | undefined;
const sent = new Set<string>();
let mocks: MockDestinations | undefined;
let phase: { t0: number; cpu: NodeJS.CpuUsage; elu: ReturnType<typeof performance.eventLoopUtilization>; tallies: Array<{ transactions: number; connections: number; edus: number; pdus: number }> } | undefined;

const received = (pdus: Map<string, number>) => [...pdus.values()].reduce((a, b) => a + b, 0);

function onPdu(eventId: string, repeat: boolean): void {
  if (repeat) return;
  const n = (arrivals.get(eventId) ?? 0) + 1;
  arrivals.set(eventId, n);
  lastArrival = performance.now();
  if (outstanding !== undefined && n === mocks!.tallies.length && outstanding.ids.has(eventId) && --outstanding.left === 0) outstanding.done();
}

function startPhase(): void {
  const tallies = mocks!.tallies;
  for (const t of tallies) t.maxInFlight = t.inFlight;
  phase = {
    t0: performance.now(),
    cpu: process.cpuUsage(),
    elu: performance.eventLoopUtilization(),
    tallies: tallies.map((t) => ({ transactions: t.transactions, connections: t.connections, edus: t.edus, pdus: received(t.pdus) })),
  };
}

/** Waits until every destination has every one of the events; the figures since startPhase(). */
async function delivery(ids: readonly string[], sendSecs: number): Promise<PhaseFigures> {
  const tallies = mocks!.tallies;
  for (const id of ids) sent.add(id);
  const waiting = ids.filter((id) => arrivals.get(id) !== tallies.length);
  if (waiting.length > 0) await new Promise<void>((done) => (outstanding = { ids: new Set(waiting), left: waiting.length, done }));
  outstanding = undefined;
  const { t0, cpu: cpu0, elu, tallies: before } = phase!;
  const cpu = process.cpuUsage(cpu0);
  const since = (f: (t: (typeof before)[number]) => number, now: (t: (typeof tallies)[number]) => number) => tallies.reduce((sum, t, i) => sum + now(t) - f(before[i]!), 0);
  return {
    events: ids.length,
    sendSecs,
    deliverSecs: (lastArrival - t0) / 1000,
    transactions: since((b) => b.transactions, (t) => t.transactions),
    connections: since((b) => b.connections, (t) => t.connections),
    pdus: since((b) => b.pdus, (t) => received(t.pdus)),
    edus: since((b) => b.edus, (t) => t.edus),
    maxInFlight: Math.max(...tallies.map((t) => t.maxInFlight)),
    maxPdusPerTransaction: Math.max(...tallies.map((t) => t.maxPdus)),
    cpuSecs: (cpu.user + cpu.system) / 1e6,
    eventLoopBusy: performance.eventLoopUtilization(elu).utilization,
  };
}

async function sendAs(run: DestinationsRun, token: string, sender: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < run.perSender; i++) {
    const url = `${run.clientBase}/rooms/${encodeURIComponent(run.roomId)}/send/m.room.message/${run.label}-${sender}-${i}`;
    const res = await fetch(url, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ msgtype: 'm.text', body: `${run.label} message ${i} from sender ${sender}` }),
    });
    const body = (await res.json()) as { event_id?: string };
    if (res.status !== 200 || body.event_id === undefined) throw new Error(`send failed: ${res.status} ${JSON.stringify(body)}`);
    ids.push(body.event_id);
  }
  return ids;
}

async function run(message: DestinationsRun): Promise<PhaseFigures> {
  startPhase();
  const ids = (await Promise.all(message.tokens.map((token, s) => sendAs(message, token, s)))).flat();
  return delivery(ids, (performance.now() - phase!.t0) / 1000);
}

function exactlyOnce(): ExactlyOnce {
  let missing = 0;
  let duplicates = 0;
  let unknown = 0;
  for (const t of mocks!.tallies) {
    for (const id of sent) {
      const n = t.pdus.get(id) ?? 0;
      if (n === 0) missing++;
      else duplicates += n - 1;
    }
    for (const id of t.pdus.keys()) if (!sent.has(id)) unknown++;
  }
  return { expected: sent.size * mocks!.tallies.length, missing, duplicates, unknown, signaturesChecked: mocks!.tallies.filter((t) => t.signatureChecked).length };
}

process.on('message', (message: ToDestinations) => {
  const handle = async (): Promise<FromDestinations> => {
    switch (message.type) {
      case 'start':
        mocks = await startMockDestinations({
          count: message.count,
          cert: readFileSync(message.certPath),
          key: readFileSync(message.keyPath),
          version: getRoomVersion(message.roomVersion)!,
          origin: message.origin,
          originKeyId: message.originKeyId,
          originPublicKey: message.originPublicKey,
          onPdu,
        });
        return { type: 'ready', names: mocks.tallies.map((t) => t.name) };
      case 'run':
        return { type: 'delivered', ...(await run(message)) };
      case 'hold':
        mocks!.hold();
        return { type: 'held' };
      case 'release':
        startPhase();
        mocks!.release();
        return { type: 'delivered', ...(await delivery(message.eventIds, 0)) };
      case 'check':
        return { type: 'checked', ...exactlyOnce() };
    }
  };
  handle().then(
    (answer) => process.send!(answer),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
});
// Ends with the bench's process (the IPC channel closes).
process.on('disconnect', () => void mocks?.close().finally(() => process.exit(0)));
