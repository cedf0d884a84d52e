/**
 * What this machine charges for the two things a worker split does all the
 * time besides computing: waking another process (a request to a worker, a
 * query to PostgreSQL, a Redis command) and touching fresh memory. VMs of the
 * same size differ several-fold in both (a hypervisor that intercepts page
 * tables and context switches), and so does every figure of the cluster bench:
 * printed beside them, these say which machine the figures came from.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface MachineCalibration {
  /** One byte to another Node.js process over loopback TCP and back, waited for: wall time per round trip. */
  roundTripUs: number;
  /** CPU both processes spent per round trip. */
  roundTripCpuUs: number;
  /** The first write to a fresh 4 KiB page of memory, beyond what writing it again costs. */
  pageFirstTouchUs: number;
}

const ROUND_TRIPS = 5000;
const WARM_ROUND_TRIPS = 500;
const TOUCH_BYTES = 64 * 1024 * 1024;
const PAGE_BYTES = 4096;

export async function calibrateMachine(): Promise<MachineCalibration> {
  const pageFirstTouchUs = firstTouchCost();
  const { wallUs, cpuUs } = await loopbackRoundTrips();
  return { roundTripUs: wallUs, roundTripCpuUs: cpuUs, pageFirstTouchUs };
}

export function describeCalibration(c: MachineCalibration): string {
  return (
    `loopback round trip between two Node.js processes ${c.roundTripUs.toFixed(0)} µs (CPU ${c.roundTripCpuUs.toFixed(0)} µs, both sides); ` +
    `first touch of a memory page ${c.pageFirstTouchUs.toFixed(2)} µs`
  );
}

/** Fills fresh memory (the kernel maps each page on its first write), then the same memory again. */
function firstTouchCost(): number {
  const buffer = Buffer.allocUnsafeSlow(TOUCH_BYTES); // large: its own mapping, not yet backed by pages
  const t0 = process.hrtime.bigint();
  buffer.fill(1);
  const t1 = process.hrtime.bigint();
  buffer.fill(2);
  const t2 = process.hrtime.bigint();
  const extraNs = Number(t1 - t0) - Number(t2 - t1);
  return Math.max(0, extraNs) / 1000 / (TOUCH_BYTES / PAGE_BYTES);
}

async function loopbackRoundTrips(): Promise<{ wallUs: number; cpuUs: number }> {
  const script = fileURLToPath(new URL('./echo-peer.js', import.meta.url));
  const peer = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: peer.stdout! })[Symbol.asyncIterator]();
  const port = Number((await lines.next()).value);
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let echoed: (() => void) | undefined;
  socket.on('data', () => echoed?.());
  const roundTrip = () =>
    new Promise<void>((resolve) => {
      echoed = resolve;
      socket.write('x');
    });
  for (let i = 0; i < WARM_ROUND_TRIPS; i++) await roundTrip();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) await roundTrip();
  const wallUs = ((performance.now() - t0) * 1000) / ROUND_TRIPS;
  const ownCpu = process.cpuUsage(cpu0);
  socket.end();
  // The peer counts from its connection on, so its figure includes the warm-up's round trips too.
  const peerCpuUs = Number((await lines.next()).value);
  await new Promise((r) => peer.once('exit', r));
  const cpuUs = (ownCpu.user + ownCpu.system) / ROUND_TRIPS + peerCpuUs / (ROUND_TRIPS + WARM_ROUND_TRIPS);
  return { wallUs, cpuUs };
}
