/**
 * The FederationClient: signed (X-Matrix) JSON requests to other servers,
 * found through server discovery, over HTTPS with the configured trust
 * settings, through the outbound address policy, and only to servers the
 * federation_domain_whitelist allows.
 */
import https from 'node:https';
import { OutboundError, parseJsonSliced, safeFetch, type SigningKey } from '@lattice/core';
import { FederationRequestError, type FederationClient, type FederationRequest } from '../api.js';
import { ServerResolutionError, type ServerResolver } from '../discovery/server-resolver.js';
import type { OutboundSettings } from './outbound-settings.js';
import { signRequest } from './request-signing.js';

export interface FederationHttpClientOptions {
  serverName: string;
  signingKey: SigningKey;
  resolver: ServerResolver;
  outbound: OutboundSettings;
  /** Whether a destination may be contacted (federation_domain_whitelist). */
  isAllowed: (serverName: string) => boolean;
  /** Largest response accepted; send_join answers for big rooms are large. Default 512 MiB. */
  maxResponseBytes?: number;
  defaultTimeoutMs?: number;
}

/** An answer as received: status, lower-cased headers, the (size-capped) body. */
export interface RawFederationAnswer {
  status: number;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

const DEFAULT_MAX_RESPONSE_BYTES = 512 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 60_000;

export class FederationHttpClient implements FederationClient {
  // Connections are reused per destination: a TLS handshake per request would dominate small requests.
  private readonly agent = new https.Agent({ keepAlive: true, maxSockets: 16, maxFreeSockets: 4, timeout: 60_000 });

  constructor(private readonly options: FederationHttpClientOptions) {}

  /** Closes pooled connections (at shutdown). */
  close(): void {
    this.agent.destroy();
  }

  async request<T = unknown>(req: FederationRequest): Promise<T> {
    const { destination } = req;
    const fail = (status: number | undefined, errcode: string | undefined, message: string) =>
      new FederationRequestError(destination, status, errcode, message);
    const res = await this.requestRaw(req);
    let json: unknown;
    try {
      // Large answers (send_join for a big room) are parsed a piece at a time, giving the event loop turns.
      json = res.body.length === 0 ? undefined : await parseJsonSliced(res.body);
    } catch {
      json = undefined;
    }
    if (res.status >= 200 && res.status < 300) {
      if (json === undefined) throw fail(res.status, undefined, `${destination} answered ${req.path} with a body that is not JSON`);
      return json as T;
    }
    const error = typeof json === 'object' && json !== null ? (json as { errcode?: unknown; error?: unknown }) : {};
    throw fail(
      res.status,
      typeof error.errcode === 'string' ? error.errcode : undefined,
      `${destination} answered ${req.method} ${req.path} with ${res.status}${typeof error.error === 'string' ? `: ${error.error}` : ''}`,
    );
  }

  /**
   * The signed request's answer whatever its status or type (media is
   * multipart, not JSON); rejects with a FederationRequestError only when no
   * answer came (the destination is not allowed, not found, or unreachable).
   */
  async requestRaw(req: FederationRequest & { maxBytes?: number }): Promise<RawFederationAnswer> {
    const { serverName, signingKey, resolver, outbound } = this.options;
    const { destination } = req;
    const fail = (status: number | undefined, errcode: string | undefined, message: string) =>
      new FederationRequestError(destination, status, errcode, message);
    if (!req.path.startsWith('/')) throw fail(undefined, undefined, `path must start with '/': ${req.path}`);
    if (!this.options.isAllowed(destination)) {
      throw fail(undefined, 'M_FORBIDDEN', `${destination} is not in federation_domain_whitelist`);
    }
    let target;
    try {
      target = await resolver.resolve(destination);
    } catch (err) {
      if (err instanceof ServerResolutionError) throw fail(undefined, undefined, err.message);
      throw err;
    }
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const url = new URL(`https://${target.tlsHost}:${target.port}${req.path}`);
    // Sign the request target exactly as it goes on the request line (URL normalises what it must).
    const uri = url.pathname + url.search;
    const authorization = signRequest({ method: req.method, uri, origin: serverName, destination, content: req.body }, signingKey);
    const headers: Record<string, string> = { authorization, host: target.hostHeader, accept: 'application/json, */*;q=0.5' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await safeFetch(url.href, {
        ...outbound,
        method: req.method,
        body,
        headers,
        connectHost: target.connectHost,
        agent: this.agent,
        maxRedirects: 0,
        maxBytes: req.maxBytes ?? this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
        timeoutMs: req.timeoutMs ?? this.options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      });
    } catch (err) {
      if (err instanceof OutboundError) throw fail(undefined, undefined, `${destination}: ${err.reason}: ${err.message}`);
      throw err;
    }
    const answerHeaders: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(res.headers)) answerHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
    return { status: res.status, headers: answerHeaders, body: res.body };
  }
}
