/**
 * Fetch a URL on behalf of users (URL previews, federation) without
 * letting them reach this server's private networks (SSRF): every hop's host
 * is resolved once, every address checked against the policy, and the socket
 * connects to exactly the checked addresses. Redirects are followed by hand so
 * each hop is checked; the body is capped while it streams; one deadline
 * covers all hops and the body.
 */
import { DEFAULT_IP_RANGE_BLACKLIST } from '../config/homeserver-schema.js';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AddressPolicy } from './address-policy.js';
import { systemResolver, type HostResolver } from './host-resolver.js';
import { OutboundError } from './outbound-error.js';
import { pinnedLookup, vetHost } from './vet-host.js';

export interface SafeFetchOptions {
  /** The address policy; built from blacklist/whitelist when absent (prefer passing one: it parses once). */
  policy?: AddressPolicy;
  /** CIDR ranges never to connect to (default: Synapse's ip_range_blacklist defaults). */
  blacklist?: readonly string[];
  /** CIDR ranges exempt from the blacklist. */
  whitelist?: readonly string[];
  maxBytes: number;
  /** For the whole exchange: every hop and the body. */
  timeoutMs: number;
  /** Default 5; 0 returns the first 3xx response as is. */
  maxRedirects?: number;
  headers?: Record<string, string>;
  /** Default: the system resolver (getaddrinfo). */
  resolve?: HostResolver;
  /** Default GET. Redirects of other methods are returned as they are (only GET is re-issued). */
  method?: string;
  body?: string | Buffer;
  /**
   * Resolve and connect to this host for the first hop instead of the URL's, while TLS (SNI and the
   * certificate check) and the Host header still use the URL: a federation SRV target.
   */
  connectHost?: string;
  /** Certificate authorities to trust instead of Node's bundled list (federation_custom_ca_list). */
  ca?: Array<string | Buffer>;
  /** Default true: check the server's certificate (federation_verify_certificates). */
  rejectUnauthorized?: boolean;
  /**
   * A keep-alive pool (of the URL's protocol) for a caller whose every request runs under the same
   * policy, e.g. federation; new sockets still connect only to vetted addresses. Default: a fresh
   * connection per request.
   */
  agent?: http.Agent;
}

export interface SafeResponse {
  /** The URL that produced this response (after redirects). */
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DEFAULT_MAX_REDIRECTS = 5;

export async function safeFetch(url: string, options: SafeFetchOptions): Promise<SafeResponse> {
  const policy = options.policy ?? new AddressPolicy(options.blacklist ?? DEFAULT_IP_RANGE_BLACKLIST, options.whitelist);
  const resolve = options.resolve ?? systemResolver;
  const maxRedirects = (options.method ?? 'GET') === 'GET' ? (options.maxRedirects ?? DEFAULT_MAX_REDIRECTS) : 0;
  const deadline = AbortSignal.timeout(options.timeoutMs);
  let current = parseHttpUrl(url);
  for (let hop = 0; ; hop++) {
    const host = hop === 0 && options.connectHost !== undefined ? options.connectHost : current.hostname;
    const addresses = await raceDeadline(vetHost(host, policy, resolve), deadline, options.timeoutMs);
    const res = await request(current, pinnedLookup(addresses), options, deadline);
    const location = res.headers.location;
    if (REDIRECTS.has(res.statusCode ?? 0) && location !== undefined && maxRedirects > 0) {
      res.resume();
      if (hop >= maxRedirects) throw new OutboundError('too_many_redirects', `more than ${maxRedirects} redirects`);
      current = parseHttpUrl(location, current);
      continue;
    }
    const body = await readCapped(res, options.maxBytes, deadline, options.timeoutMs);
    return { url: current.href, status: res.statusCode ?? 0, headers: res.headers, body };
  }
}

function parseHttpUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new OutboundError('bad_url', `not a URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundError('bad_url', `not http(s): ${text}`);
  return url;
}

function request(
  url: URL,
  lookup: ReturnType<typeof pinnedLookup>,
  options: SafeFetchOptions,
  deadline: AbortSignal,
): Promise<IncomingMessage> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, {
      method: options.method ?? 'GET',
      headers: { 'user-agent': 'Lattice', ...options.headers },
      lookup,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      // A fresh connection unless the caller pools its own: a shared pool's sockets were vetted under other callers' policies.
      agent: options.agent ?? false,
      signal: deadline,
    });
    req.once('response', resolve);
    req.once('error', (err) => reject(asOutboundError(err, deadline, options.timeoutMs)));
    req.end(options.body);
  });
}

function readCapped(res: IncomingMessage, maxBytes: number, deadline: AbortSignal, timeoutMs: number): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    res.once('end', () => resolve(Buffer.concat(chunks, size)));
    res.once('error', (err) => reject(asOutboundError(err, deadline, timeoutMs)));
    res.once('close', () => {
      if (!res.complete) reject(asOutboundError(new Error('connection closed early'), deadline, timeoutMs));
    });
  });
}

function tooLarge(maxBytes: number): OutboundError {
  return new OutboundError('too_large', `response body exceeds ${maxBytes} bytes`);
}

function asOutboundError(err: unknown, deadline: AbortSignal, timeoutMs: number): OutboundError {
  if (err instanceof OutboundError) return err;
  if (deadline.aborted) return new OutboundError('timeout', `no complete response within ${timeoutMs} ms`, { cause: err });
  return new OutboundError('network', err instanceof Error ? err.message : String(err), { cause: err });
}

/** DNS has no abort signal of its own: stop waiting for it when the deadline passes. */
function raceDeadline<T>(work: Promise<T>, deadline: AbortSignal, timeoutMs: number): Promise<T> {
  if (deadline.aborted) return Promise.reject(new OutboundError('timeout', `no complete response within ${timeoutMs} ms`));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new OutboundError('timeout', `no complete response within ${timeoutMs} ms`));
    deadline.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => deadline.removeEventListener('abort', onAbort));
  });
}
