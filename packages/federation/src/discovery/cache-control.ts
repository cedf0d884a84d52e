/** How long to keep a /.well-known/matrix/server answer (server-server API "Resolving server names", step 3). */

const HOUR_MS = 60 * 60 * 1000;
/** The spec's recommended default when the response has no caching headers. */
export const WELL_KNOWN_DEFAULT_TTL_MS = 24 * HOUR_MS;
/** The spec's recommended ceiling, whatever the headers say. */
export const WELL_KNOWN_MAX_TTL_MS = 48 * HOUR_MS;
/** Invalid answers (non-200, bad JSON, missing m.server) are kept up to an hour. */
export const WELL_KNOWN_INVALID_TTL_MS = HOUR_MS;
/** Unreachable servers: retried after 2 minutes, doubling with each failure up to an hour. */
export const WELL_KNOWN_FIRST_RETRY_MS = 2 * 60 * 1000;

/** The lifetime a Cache-Control header gives (no-store/no-cache: 0; max-age), else the default; capped. */
export function wellKnownTtl(cacheControl: string | undefined): number {
  if (cacheControl === undefined) return WELL_KNOWN_DEFAULT_TTL_MS;
  const directives = cacheControl.toLowerCase().split(',').map((d) => d.trim());
  if (directives.includes('no-store') || directives.includes('no-cache')) return 0;
  for (const d of directives) {
    const m = /^max-age\s*=\s*"?(\d+)"?$/.exec(d);
    if (m !== null) return Math.min(Number(m[1]) * 1000, WELL_KNOWN_MAX_TTL_MS);
  }
  return WELL_KNOWN_DEFAULT_TTL_MS;
}

/** The retry delay after `failures` consecutive failures to reach the server. */
export function failureBackoff(failures: number): number {
  return Math.min(WELL_KNOWN_FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), WELL_KNOWN_INVALID_TTL_MS);
}
