/**
 * A bare HTTPS server that only publishes signing keys, under the test's
 * control: which keys, rotated when, or a tampered response. It stands in for
 * a third server in notary and key-rotation tests.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, type SigningKey } from '@lattice/core';
import { OwnServerKeys } from '../../src/index.js';
import type { TestCa } from './test-ca.js';

export interface KeyServer {
  serverName: string;
  signingKey: SigningKey;
  /** Requests for /_matrix/key/v2/server so far. */
  fetches: number;
  /** What the server answers (default: its OwnServerKeys response). */
  respond: () => unknown;
  /** Switches to a new signing key, publishing the previous one in old_verify_keys as expired at expiredTs. */
  rotate(expiredTs: number, refreshIntervalMs?: number): SigningKey;
  close(): Promise<void>;
}

export async function startKeyServer(hostname: string, ca: TestCa, refreshIntervalMs = 24 * 3600_000): Promise<KeyServer> {
  const { cert, key } = ca.issue([hostname]);
  const server = https.createServer({ cert, key });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const serverName = `${hostname}:${(server.address() as AddressInfo).port}`;
  const initial = generateSigningKey();
  const keys = (signingKey: SigningKey, oldKeys: Record<string, { key: string; expired_ts: number }> = {}, interval = refreshIntervalMs) =>
    new OwnServerKeys({ serverName, signingKey, oldKeys, refreshIntervalMs: interval });
  let own = keys(initial);
  const ks: KeyServer = {
    serverName,
    signingKey: initial,
    fetches: 0,
    respond: () => own.response(),
    rotate(expiredTs, interval) {
      const previous = ks.signingKey;
      ks.signingKey = generateSigningKey();
      own = keys(ks.signingKey, { [previous.keyId]: { key: previous.publicKeyBase64, expired_ts: expiredTs } }, interval);
      return ks.signingKey;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  server.on('request', (req, res) => {
    if (req.url === '/_matrix/key/v2/server') {
      ks.fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ks.respond()));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errcode":"M_UNRECOGNIZED","error":"Unrecognized"}');
    }
  });
  return ks;
}
