/**
 * A small real identity server (identity-service-api v2) over HTTPS for the
 * third-party invite tests: /hash_details and a hashed /lookup of its bindings,
 * /store-invite (a random token, the long-term key and a fresh ephemeral Ed25519
 * key, through node:crypto), /pubkey/isvalid and /pubkey/ephemeral/isvalid.
 * bind() binds an address and, like Sydent, calls the homeserver's
 * /_matrix/federation/v1/3pid/onbind with the invites it held, each `signed`
 * block signed with its long-term key.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import type { TestCa } from './test-ca.js';

const PEPPER = 'matrixrocks';
export const IS_ACCESS_TOKEN = 'is-access-token';

interface KeyPair {
  publicKey: string;
  privateKey: KeyObject;
}

export interface StoredInvite {
  request: Record<string, unknown>;
  token: string;
}

export interface OnBindAnswer {
  status: number;
  body: Record<string, unknown>;
}

function unpadded(buf: Buffer): string {
  return buf.toString('base64').replace(/=+$/, '');
}

export function ed25519KeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return { publicKey: unpadded(raw), privateKey };
}

/** `{mxid, token}` signed as the appendices' "Signing JSON" says (canonical JSON of the object without signatures). */
export function signInvite(mxid: string, token: string, key: KeyPair, signer = 'is.test'): Record<string, unknown> {
  const payload = JSON.stringify({ mxid, token }); // keys already in canonical order
  return { mxid, token, signatures: { [signer]: { 'ed25519:0': unpadded(sign(null, Buffer.from(payload), key.privateKey)) } } };
}

export class FakeIdentityServer {
  readonly longTerm = ed25519KeyPair();
  readonly invites: StoredInvite[] = [];
  private readonly ephemeral = new Set<string>();
  private readonly bindings = new Map<string, string>();
  private server!: https.Server;
  /** hostname:port, what clients pass as id_server. */
  idServer = '';

  constructor(private readonly ca: TestCa) {}

  async start(hostname: string): Promise<void> {
    const { cert, key } = this.ca.issue([hostname, '127.0.0.1']);
    const app = express();
    app.use(express.json());
    app.use('/_matrix/identity/v2', (req, res, next) => {
      if (req.path.startsWith('/pubkey/')) return next();
      if (req.headers.authorization !== `Bearer ${IS_ACCESS_TOKEN}`) return void res.status(401).json({ errcode: 'M_UNAUTHORIZED', error: 'bad token' });
      next();
    });
    app.get('/_matrix/identity/v2/hash_details', (_req, res) => void res.json({ lookup_pepper: PEPPER, algorithms: ['none', 'sha256'] }));
    app.post('/_matrix/identity/v2/lookup', (req: Request, res: Response) => {
      const { algorithm, pepper, addresses } = req.body as { algorithm: string; pepper: string; addresses: string[] };
      if (pepper !== PEPPER) return void res.status(400).json({ errcode: 'M_INVALID_PEPPER', error: 'rotated' });
      const mappings: Record<string, string> = {};
      for (const [address, mxid] of this.bindings) {
        const hash = algorithm === 'sha256' ? createHash('sha256').update(`${address} email ${PEPPER}`).digest('base64url') : `${address} email`;
        if (addresses.includes(hash)) mappings[hash] = mxid;
      }
      res.json({ mappings });
    });
    app.post('/_matrix/identity/v2/store-invite', (req: Request, res: Response) => {
      const body = req.body as Record<string, unknown>;
      if (body['medium'] !== 'email') return void res.status(400).json({ errcode: 'M_UNRECOGNIZED', error: 'email only' });
      const token = randomBytes(12).toString('base64url');
      const ephemeral = ed25519KeyPair();
      this.ephemeral.add(ephemeral.publicKey);
      this.invites.push({ request: body, token });
      const base = `https://${this.idServer}/_matrix/identity/v2/pubkey`;
      res.json({
        token,
        public_keys: [
          { public_key: this.longTerm.publicKey, key_validity_url: `${base}/isvalid` },
          { public_key: ephemeral.publicKey, key_validity_url: `${base}/ephemeral/isvalid` },
        ],
        display_name: `${String(body['address']).slice(0, 1)}...@...`,
      });
    });
    app.get('/_matrix/identity/v2/pubkey/isvalid', (req, res) => void res.json({ valid: req.query['public_key'] === this.longTerm.publicKey }));
    app.get('/_matrix/identity/v2/pubkey/ephemeral/isvalid', (req, res) => void res.json({ valid: this.ephemeral.has(String(req.query['public_key'])) }));
    this.server = https.createServer({ cert, key }, app);
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.idServer = `${hostname}:${(this.server.address() as AddressInfo).port}`;
  }

  /** Binds `address` to `mxid` from now on, without telling anyone (a lookup will find it). */
  addBinding(address: string, mxid: string): void {
    this.bindings.set(address, mxid);
  }

  /** The onbind request for `address` now bound to `mxid`, with the invites stored for it signed by `key`. */
  onBindBody(address: string, mxid: string, key: KeyPair = this.longTerm): Record<string, unknown> {
    const invites = this.invites
      .filter((i) => i.request['address'] === address)
      .map((i) => ({
        medium: 'email',
        address,
        mxid,
        room_id: i.request['room_id'],
        sender: i.request['sender'],
        signed: signInvite(mxid, i.token, key),
      }));
    return { medium: 'email', address, mxid, invites };
  }

  /** PUT /3pid/onbind at the homeserver's federation port (the HS certificate is checked against the test CA). */
  async callOnBind(homeserverPort: number, body: Record<string, unknown>): Promise<OnBindAnswer> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: homeserverPort,
          method: 'PUT',
          path: '/_matrix/federation/v1/3pid/onbind',
          ca: [readFileSync(this.ca.caPath)],
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
