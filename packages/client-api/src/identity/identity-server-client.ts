/**
 * Requests to identity servers (identity-service-api v2) on behalf of users:
 * the 3PID lookup (/hash_details, then a hashed /lookup), /store-invite, and
 * the key validity check of a third-party invite (key_validity_url, i.e.
 * /pubkey/isvalid). Identity servers are the users' choice, so every request
 * goes through safeFetch under the outbound address policy (ip_range_blacklist /
 * ip_range_whitelist). An identity server that fails or answers nonsense is a
 * 502 M_UNKNOWN for the client (third-party invites module, Synapse alike).
 */
import { createHash } from 'node:crypto';
import {
  AddressPolicy,
  Errors,
  MatrixError,
  encodeBase64Url,
  isValidServerName,
  isValidUserId,
  parseJsonStrict,
  safeFetch,
  type HomeserverConfig,
  type HostResolver,
} from '@lattice/core';

const TIMEOUT_MS = 15_000;
/** Identity server answers are small JSON objects. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** store-invite's token: [0-9a-zA-Z.=_-], 1 to 255 characters. */
const INVITE_TOKEN = /^[0-9a-zA-Z.=_-]{1,255}$/;

export interface IdentityServerClientOptions {
  config: Pick<HomeserverConfig, 'ip_range_blacklist' | 'ip_range_whitelist'>;
  /** Default: the system resolver. */
  resolve?: HostResolver;
  /** Certificate authorities to trust instead of Node's bundled list. */
  ca?: Array<string | Buffer>;
}

export interface PublicKeyEntry {
  public_key: string;
  key_validity_url: string;
}

/** What /store-invite gives for the m.room.third_party_invite event. */
export interface StoredThirdPartyInvite {
  token: string;
  displayName: string;
  /** [long-term key, ephemeral key], as the identity server listed them. */
  publicKeys: PublicKeyEntry[];
}

interface Call {
  method?: 'GET' | 'POST';
  accessToken?: string;
  body?: Record<string, unknown>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function badAnswer(what: string): MatrixError {
  return new MatrixError(502, 'M_UNKNOWN', `The identity server gave an invalid answer to ${what}`);
}

/** The canonical form of an address before hashing (appendices "3PID Types": e-mail is compared case-insensitively). */
export function canonicalAddress(medium: string, address: string): string {
  return medium === 'email' ? address.toLowerCase() : address;
}

export class IdentityServerClient {
  private readonly policy: AddressPolicy;

  constructor(private readonly options: IdentityServerClientOptions) {
    this.policy = new AddressPolicy(options.config.ip_range_blacklist, options.config.ip_range_whitelist);
  }

  /** The Matrix user the identity server has bound to the 3PID, if any (v2 lookup, sha256 or else `none`). */
  async lookup(idServer: string, accessToken: string, medium: string, address: string): Promise<string | undefined> {
    const base = baseUrl(idServer);
    const details = await this.call(`${base}/hash_details`, { accessToken });
    const pepper = details['lookup_pepper'];
    const algorithms = details['algorithms'];
    if (typeof pepper !== 'string' || !Array.isArray(algorithms)) throw badAnswer('/hash_details');
    const canonical = canonicalAddress(medium, address);
    let algorithm: string;
    let query: string;
    if (algorithms.includes('sha256')) {
      algorithm = 'sha256';
      query = encodeBase64Url(createHash('sha256').update(`${canonical} ${medium} ${pepper}`).digest());
    } else if (algorithms.includes('none')) {
      algorithm = 'none';
      query = `${canonical} ${medium}`;
    } else {
      throw new MatrixError(502, 'M_UNKNOWN', 'The identity server supports no lookup algorithm this server knows');
    }
    const answer = await this.call(`${base}/lookup`, { method: 'POST', accessToken, body: { algorithm, pepper, addresses: [query] } });
    const mappings = answer['mappings'];
    if (!isObject(mappings)) throw badAnswer('/lookup');
    const mxid = mappings[query];
    if (mxid === undefined) return undefined;
    if (typeof mxid !== 'string' || !isValidUserId(mxid)) throw badAnswer('/lookup');
    return mxid;
  }

  /** Asks the identity server to keep the invite for whoever binds the 3PID; `request` is the store-invite body. */
  async storeInvite(idServer: string, accessToken: string, request: Record<string, unknown>): Promise<StoredThirdPartyInvite> {
    const answer = await this.call(`${baseUrl(idServer)}/store-invite`, { method: 'POST', accessToken, body: request });
    const { token, display_name: displayName, public_keys: keys } = answer;
    if (typeof token !== 'string' || !INVITE_TOKEN.test(token) || typeof displayName !== 'string' || !Array.isArray(keys)) {
      throw badAnswer('/store-invite');
    }
    const publicKeys = keys.filter(
      (k): k is PublicKeyEntry => isObject(k) && typeof k['public_key'] === 'string' && typeof k['key_validity_url'] === 'string',
    );
    if (publicKeys.length === 0 || publicKeys.length !== keys.length) throw badAnswer('/store-invite');
    return { token, displayName, publicKeys: publicKeys.map((k) => ({ public_key: k.public_key, key_validity_url: k.key_validity_url })) };
  }

  /**
   * Whether the identity server still vouches for `publicKey`, asked at the invite's own
   * key_validity_url (with ?public_key=). Throws 502 when it cannot be asked.
   */
  async keyIsValid(keyValidityUrl: string, publicKey: string): Promise<boolean> {
    let url: URL;
    try {
      url = new URL(keyValidityUrl);
    } catch {
      return false; // a URL nobody can fetch vouches for nothing
    }
    url.searchParams.set('public_key', publicKey);
    const answer = await this.call(url.href, {});
    return answer['valid'] === true;
  }

  private async call(url: string, call: Call): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (call.accessToken !== undefined) headers['authorization'] = `Bearer ${call.accessToken}`;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    let text: string;
    let status: number;
    try {
      const res = await safeFetch(url, {
        policy: this.policy,
        resolve: this.options.resolve,
        ca: this.options.ca,
        method: call.method ?? 'GET',
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        maxBytes: MAX_ANSWER_BYTES,
        timeoutMs: TIMEOUT_MS,
      });
      text = res.body.toString('utf8');
      status = res.status;
    } catch (err) {
      throw new MatrixError(502, 'M_UNKNOWN', `The identity server could not be reached: ${(err as Error).message}`);
    }
    let body: unknown;
    try {
      body = parseJsonStrict(text);
    } catch {
      body = undefined;
    }
    const path = new URL(url).pathname;
    if (status < 200 || status >= 300) {
      const errcode = isObject(body) && typeof body['errcode'] === 'string' ? body['errcode'] : `HTTP ${status}`;
      throw new MatrixError(502, 'M_UNKNOWN', `The identity server refused ${path}: ${errcode}`);
    }
    if (!isObject(body)) throw badAnswer(path);
    return body;
  }
}

/** `id_server` is a hostname with an optional port (no scheme, no path): anything else could aim the request elsewhere. */
export function checkIdServer(idServer: string): string {
  if (!isValidServerName(idServer)) throw Errors.invalidParam(`id_server must be a hostname and optional port: ${idServer}`);
  return idServer;
}

function baseUrl(idServer: string): string {
  return `https://${checkIdServer(idServer)}/_matrix/identity/v2`;
}
