/**
 * What the remote media cache needs from the network, supplied by whoever wires
 * federation in: signed (X-Matrix) GETs to other servers, and plain fetches of
 * the URLs a server may redirect to, both through the outbound address policy
 * and capped in size and time.
 */
export interface RawAnswer {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
}

export interface RemoteMediaTransport {
  /** An X-Matrix signed GET of `path` (with its query) on `destination`. */
  signedGet(destination: string, path: string, limits: FetchLimits): Promise<RawAnswer>;
  /** A plain GET of an absolute https URL (a Location a server redirected media to). */
  fetchUrl(url: string, limits: FetchLimits): Promise<RawAnswer>;
}
