/**
 * Errors that map one-to-one onto the spec's error body
 * `{"errcode": "M_…", "error": "…", …extra}` with an HTTP status.
 * One express error handler (client-api) turns any MatrixError into a response.
 */
export class MatrixError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
    /** Additional top-level fields of the error body (e.g. soft_logout, retry_after_ms). */
    readonly extra: Record<string, unknown> = {},
    /** Response headers to add (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'MatrixError';
  }

  toJSON(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.message, ...this.extra };
  }
}

export const Errors = {
  forbidden: (msg = 'Forbidden') => new MatrixError(403, 'M_FORBIDDEN', msg),
  notFound: (msg = 'Not found') => new MatrixError(404, 'M_NOT_FOUND', msg),
  unrecognized: (msg = 'Unrecognized request', status = 404) => new MatrixError(status, 'M_UNRECOGNIZED', msg),
  notJson: (msg = 'Content not JSON.') => new MatrixError(400, 'M_NOT_JSON', msg),
  badJson: (msg = 'Malformed JSON') => new MatrixError(400, 'M_BAD_JSON', msg),
  missingParam: (param: string) => new MatrixError(400, 'M_MISSING_PARAM', `Missing parameter: ${param}`),
  invalidParam: (msg: string) => new MatrixError(400, 'M_INVALID_PARAM', msg),
  tooLarge: (msg = 'Request too large') => new MatrixError(413, 'M_TOO_LARGE', msg),
  missingToken: () => new MatrixError(401, 'M_MISSING_TOKEN', 'Missing access token'),
  unknownToken: (softLogout = false, msg = 'Unrecognised access token') =>
    new MatrixError(401, 'M_UNKNOWN_TOKEN', msg, { soft_logout: softLogout }),
  userInUse: () => new MatrixError(400, 'M_USER_IN_USE', 'User ID already taken.'),
  invalidUsername: (msg = 'Invalid username') => new MatrixError(400, 'M_INVALID_USERNAME', msg),
  userDeactivated: () => new MatrixError(403, 'M_USER_DEACTIVATED', 'This account has been deactivated'),
  limitExceeded: (retryAfterMs: number) =>
    new MatrixError(
      429,
      'M_LIMIT_EXCEEDED',
      'Too many requests',
      { retry_after_ms: retryAfterMs },
      { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) },
    ),
  unknown: (msg = 'Internal server error', status = 500) => new MatrixError(status, 'M_UNKNOWN', msg),
  guestAccessForbidden: () => new MatrixError(403, 'M_GUEST_ACCESS_FORBIDDEN', 'Guest access not allowed'),
  unsupportedRoomVersion: (v: string) =>
    new MatrixError(400, 'M_UNSUPPORTED_ROOM_VERSION', `Unsupported room version: ${v}`),
} as const;
