/**
 * The floor under "an idle worker following replication": a bare Node.js
 * process subscribed to the same Redis channel, doing nothing with what it
 * reads. Run as a child process for `ms`, it prints the CPU it used (percent of
 * a core) and how many reads woke it, as JSON on stdout. On a small VM each
 * wake-up of an idle process costs far more than the work a message brings;
 * this says how much of a worker's figure is that.
 *
 *   node bare-subscriber.js <redis port> <channel> <ms>
 */
import net from 'node:net';

const [port, channel, ms] = process.argv.slice(2);
const socket = net.connect(Number(port), '127.0.0.1');
socket.write(`SUBSCRIBE ${channel}\r\n`);
let wakes = 0;
socket.on('data', () => void wakes++);
const start = process.cpuUsage();
const t0 = performance.now();
setTimeout(() => {
  const used = process.cpuUsage(start);
  const elapsedMs = performance.now() - t0;
  process.stdout.write(JSON.stringify({ cpuPercent: ((used.user + used.system) / 1000 / elapsedMs) * 100, wakes }));
  socket.destroy();
}, Number(ms));
