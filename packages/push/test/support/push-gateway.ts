/** A real HTTP push gateway for tests: records every /notify request and answers as told. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatewayNotification {
  event_id: string;
  room_id: string;
  counts: { unread: number };
  devices: Array<{ app_id: string; pushkey: string; pushkey_ts: number; data: Record<string, unknown>; tweaks: Record<string, unknown> }>;
  [key: string]: unknown;
}

export interface TestGateway {
  url: string;
  received: GatewayNotification[];
  /** Answers the next `n` requests with 500. */
  failNext(n: number): void;
  /** Pushkeys answered as rejected. */
  reject: Set<string>;
  /** Resolves once `count` notifications were received (successful or not). */
  waitFor(count: number, timeoutMs?: number): Promise<GatewayNotification[]>;
  /** Every request, failed ones included. */
  attempts: number;
  close(): Promise<void>;
}

export async function startTestGateway(): Promise<TestGateway> {
  let failures = 0;
  const waiters: Array<() => void> = [];
  const gateway: TestGateway = {
    url: '',
    received: [],
    reject: new Set(),
    attempts: 0,
    failNext: (n) => void (failures = n),
    waitFor: (count, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (gateway.received.length < count) return false;
          resolve(gateway.received);
          return true;
        };
        if (check()) return;
        const timer = setTimeout(() => reject(new Error(`gateway got ${gateway.received.length} of ${count} notifications`)), timeoutMs);
        waiters.push(() => {
          if (check()) clearTimeout(timer);
        });
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      gateway.attempts++;
      if (req.method !== 'POST' || req.url !== '/_matrix/push/v1/notify') {
        res.writeHead(404).end();
        return;
      }
      if (failures > 0) {
        failures--;
        res.writeHead(500).end('{}');
        return;
      }
      const { notification } = JSON.parse(body) as { notification: GatewayNotification };
      gateway.received.push(notification);
      const rejected = notification.devices.map((d) => d.pushkey).filter((k) => gateway.reject.has(k));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ rejected }));
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gateway.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_matrix/push/v1/notify`;
  return gateway;
}
