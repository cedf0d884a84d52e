/**
 * How the media repository reaches other servers' media: signed GETs through
 * the federation client (discovery, TLS settings, whitelist) and plain GETs of
 * the URLs a server redirects media to, through the same outbound address
 * policy. Structurally the media package's RemoteMediaTransport.
 */
import { OutboundError, safeFetch } from '@lattice/core';
import type { FederationHttpClient, RawFederationAnswer } from './federation-http-client.js';
import type { OutboundSettings } from './outbound-settings.js';

export interface MediaFetch {
  signedGet(destination: string, path: string, limits: { maxBytes: number; timeoutMs: number }): Promise<RawFederationAnswer>;
  fetchUrl(url: string, limits: { maxBytes: number; timeoutMs: number }): Promise<RawFederationAnswer>;
}

export function mediaFetch(client: FederationHttpClient, outbound: OutboundSettings): MediaFetch {
  return {
    signedGet: (destination, path, limits) => client.requestRaw({ method: 'GET', destination, path, ...limits }),
    async fetchUrl(url, limits) {
      if (!url.startsWith('https://')) throw new OutboundError('bad_url', 'media redirects must be https');
      const res = await safeFetch(url, { ...outbound, ...limits });
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(res.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      return { status: res.status, headers, body: res.body };
    },
  };
}
