// The services the test suite talks to for real: PostgreSQL (and, once the
// worker split lands, Redis). If one is not reachable we try to start a local
// install, and otherwise fail saying what to install.
import { execSync } from 'node:child_process';
import net from 'node:net';

function reachable(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const SERVICES = {
  postgres: {
    host: '127.0.0.1',
    port: 5432,
    start: ['pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | tail -n 1) main start'],
    install: 'PostgreSQL 13+ listening on 127.0.0.1:5432 with trust auth for user postgres (Debian: apt-get install postgresql), or set LATTICE_TEST_PG_URL',
  },
  redis: {
    host: '127.0.0.1',
    port: 6379,
    start: ['redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'],
    install: 'Redis 6+ on 127.0.0.1:6379 (Debian: apt-get install redis-server)',
  },
};

export async function ensureService(name) {
  const s = SERVICES[name];
  if (name === 'postgres' && process.env.LATTICE_TEST_PG_URL) return;
  if (await reachable(s.host, s.port)) return;
  for (const cmd of s.start) {
    try {
      execSync(cmd, { stdio: 'ignore', shell: '/bin/sh' });
    } catch {
      continue;
    }
    for (let i = 0; i < 50; i++) {
      if (await reachable(s.host, s.port)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`The tests need ${name} and it is not reachable on ${s.host}:${s.port}. Install/start: ${s.install}`);
}
