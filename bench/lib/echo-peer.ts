/**
 * The other end of machine-calibration's round trips: a process that echoes
 * whatever reaches it on a loopback TCP port. It prints the port, then, once
 * the connection closes, the CPU it used (µs, user + system), as lines on stdout.
 *
 *   node echo-peer.js
 */
import net from 'node:net';

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  const start = process.cpuUsage();
  socket.on('data', (chunk) => socket.write(chunk));
  socket.on('close', () => {
    const used = process.cpuUsage(start);
    process.stdout.write(`${used.user + used.system}\n`);
    server.close();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`));
