/**
 * Remote servers for the outbound fan-out bench: real HTTPS servers on
 * loopback, each named 127.0.0.1:<port> (a certificate from the test CA),
 * that answer PUT /_matrix/federation/v1/send/{txnId} as the spec says (200,
 * every PDU's event id mapped to {}) and tally what they receive: each event
 * id's count, EDUs, transactions, the most transactions in flight at once and
 * the largest batch; while held, they answer nothing until released (a
 * backlog builds up behind each destination's transaction in flight). Each
 * destination checks the X-Matrix signature of its first transaction (the
 * sender signs every one the same way; checking all would double the bench's
 * CPU for nothing new).
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { computeEventId, verifySignatureString, type PDU, type RoomVersion } from '@lattice/core';
import { parseXMatrixHeader, requestSigningPayload } from '@lattice/federation';

export interface DestinationTally {
  name: string;
  /** Event id → how many times it arrived. */
  pdus: Map<string, number>;
  edus: number;
  transactions: number;
  /** TLS connections the sender opened to it. */
  connections: number;
  inFlight: number;
  maxInFlight: number;
  maxPdus: number;
  signatureChecked: boolean;
}

export interface MockDestinationsOptions {
  count: number;
  cert: Buffer;
  key: Buffer;
  /** The PDUs' room version (their event ids are reference hashes). */
  version: RoomVersion;
  /** The sending server and its verify key (unpadded base64), for the X-Matrix check. */
  origin: string;
  originKeyId: string;
  originPublicKey: string;
  /** Each PDU as it arrives, with whether the destination had it already. */
  onPdu(eventId: string, repeat: boolean): void;
}

export interface MockDestinations {
  tallies: DestinationTally[];
  /** Transactions arriving from now on are answered only on release(). */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

const SEND_PATH = '/_matrix/federation/v1/send/';

export async function startMockDestinations(options: MockDestinationsOptions): Promise<MockDestinations> {
  // The 100 destinations receive the same events: each event id is computed once (by its content hash).
  const ids = new Map<string, string>();
  const eventIdOf = (pdu: PDU): string => {
    const hash = (pdu.hashes as { sha256?: string } | undefined)?.sha256 ?? '';
    let id = ids.get(hash);
    if (id === undefined) ids.set(hash, (id = computeEventId(pdu, options.version)));
    return id;
  };

  let held: Array<() => void> | undefined;
  const serve = (tally: DestinationTally) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const answer = (status: number, body: unknown) => {
      tally.inFlight--;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    tally.inFlight++;
    tally.maxInFlight = Math.max(tally.maxInFlight, tally.inFlight);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'PUT' || !req.url?.startsWith(SEND_PATH)) return answer(404, { errcode: 'M_UNRECOGNIZED', error: `${req.method} ${req.url}` });
      const txn = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { origin: string; pdus?: PDU[]; edus?: unknown[] };
      if (!tally.signatureChecked) {
        const auth = parseXMatrixHeader(req.headers.authorization ?? '');
        const payload = requestSigningPayload({ method: 'PUT', uri: req.url, origin: options.origin, destination: tally.name, content: txn });
        const valid = auth.origin === options.origin && auth.destination === tally.name && auth.key === options.originKeyId;
        if (!valid || !verifySignatureString(payload, auth.sig, options.originPublicKey)) return answer(401, { errcode: 'M_UNAUTHORIZED', error: 'bad X-Matrix signature' });
        tally.signatureChecked = true;
      }
      const pdus = txn.pdus ?? [];
      const result: Record<string, object> = {};
      for (const pdu of pdus) {
        const id = eventIdOf(pdu);
        const seen = tally.pdus.get(id) ?? 0;
        tally.pdus.set(id, seen + 1);
        options.onPdu(id, seen > 0);
        result[id] = {};
      }
      tally.transactions++;
      tally.edus += txn.edus?.length ?? 0;
      tally.maxPdus = Math.max(tally.maxPdus, pdus.length);
      if (held === undefined) answer(200, { pdus: result });
      else held.push(() => answer(200, { pdus: result }));
    });
  };

  const servers: https.Server[] = [];
  const tallies: DestinationTally[] = [];
  for (let i = 0; i < options.count; i++) {
    const server = https.createServer({ cert: options.cert, key: options.key, keepAliveTimeout: 120_000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const tally: DestinationTally = {
      name: `127.0.0.1:${(server.address() as AddressInfo).port}`,
      pdus: new Map(),
      edus: 0,
      transactions: 0,
      connections: 0,
      inFlight: 0,
      maxInFlight: 0,
      maxPdus: 0,
      signatureChecked: false,
    };
    server.on('request', serve(tally));
    server.on('secureConnection', () => tally.connections++);
    servers.push(server);
    tallies.push(tally);
  }
  return {
    tallies,
    hold() {
      held ??= [];
    },
    release() {
      const answers = held ?? [];
      held = undefined;
      for (const answer of answers) answer();
    },
    async close() {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise((resolve) => s.close(resolve));
      }
    },
  };
}
