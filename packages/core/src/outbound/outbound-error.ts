/** Why an outbound request failed; callers map each reason to their own HTTP answer. */
export type OutboundFailure =
  | 'bad_url' // not an absolute http(s) URL
  | 'blocked' // the host is, or resolves to, an address the policy forbids
  | 'dns' // the host does not resolve
  | 'too_many_redirects'
  | 'too_large' // the body exceeds maxBytes
  | 'timeout' // the whole exchange (all hops and the body) outlasted timeoutMs
  | 'network'; // refused, reset, TLS failure…

export class OutboundError extends Error {
  constructor(
    readonly reason: OutboundFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OutboundError';
  }
}
