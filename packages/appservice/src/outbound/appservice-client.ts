/**
 * The one way this server calls an appservice: `{url}{path}` with the
 * hs_token as a Bearer token (spec "Authorisation"), JSON in and out, through
 * safeFetch. Appservices usually listen on localhost or a private network and
 * their URL comes from the operator's registration file, so the address
 * policy here allows private ranges; 0.0.0.0 and :: stay refused (safeFetch's rule).
 */
import { AddressPolicy, safeFetch, type SafeResponse } from '@lattice/core';
import type { Appservice } from '../registration/appservice.js';

/** Any address an operator may have put in a registration. */
const OPERATOR_CONFIGURED = new AddressPolicy([]);
const MAX_RESPONSE_BYTES = 1024 * 1024;
export const DEFAULT_APPSERVICE_TIMEOUT_MS = 30_000;

export interface AppserviceCall {
  method: 'GET' | 'PUT' | 'POST';
  /** Path and query, starting with /_matrix/app/… */
  path: string;
  body?: unknown;
  timeoutMs?: number;
}

/** An appservice answered with a status outside 2xx. */
export class AppserviceStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`appservice answered ${status}`);
    this.name = 'AppserviceStatusError';
  }
}

/** No URL configured: the appservice takes no traffic. */
export class AppserviceUrlNotSetError extends Error {
  constructor(id: string) {
    super(`appservice ${id} has no url`);
    this.name = 'AppserviceUrlNotSetError';
  }
}

/** Sends the call; resolves with the 2xx response, rejects with AppserviceStatusError or OutboundError. */
export async function callAppservice(as: Appservice, call: AppserviceCall): Promise<SafeResponse> {
  const base = as.registration.url;
  if (base === null) throw new AppserviceUrlNotSetError(as.id);
  const headers: Record<string, string> = { authorization: `Bearer ${as.registration.hsToken}`, accept: 'application/json' };
  let body: string | undefined;
  if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers['content-type'] = 'application/json';
  }
  const res = await safeFetch(base + call.path, {
    policy: OPERATOR_CONFIGURED,
    method: call.method,
    headers,
    body,
    maxBytes: MAX_RESPONSE_BYTES,
    timeoutMs: call.timeoutMs ?? DEFAULT_APPSERVICE_TIMEOUT_MS,
    maxRedirects: 0,
  });
  if (res.status < 200 || res.status >= 300) throw new AppserviceStatusError(res.status, res.body.toString('utf8'));
  return res;
}

/** The JSON object of a 2xx answer; undefined when the body is not a JSON object or array. */
export function jsonOf(res: SafeResponse): unknown {
  try {
    return JSON.parse(res.body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
