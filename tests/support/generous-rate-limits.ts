/**
 * Environment overrides that lift Synapse's default rate limits for test
 * processes: the suites send, join and create rooms in bursts real clients
 * don't (the limits themselves are tested in client-api, admin, worker-runtime
 * and federation). A test that needs a limit sets its own variable after these.
 */
const GENEROUS = '{per_second: 1000, burst_count: 1000}';

export const GENEROUS_RATE_LIMIT_ENV: Record<string, string> = {
  LATTICE_RC_MESSAGE: GENEROUS,
  LATTICE_RC_REGISTRATION: GENEROUS,
  LATTICE_RC_LOGIN: `{address: ${GENEROUS}, account: ${GENEROUS}, failed_attempts: ${GENEROUS}}`,
  LATTICE_RC_JOINS: `{local: ${GENEROUS}, remote: ${GENEROUS}}`,
  LATTICE_RC_JOINS_PER_ROOM: GENEROUS,
  LATTICE_RC_INVITES: `{per_room: ${GENEROUS}, per_user: ${GENEROUS}, per_issuer: ${GENEROUS}}`,
  LATTICE_RC_ROOM_CREATION: GENEROUS,
  LATTICE_RC_MEDIA_CREATE: GENEROUS,
  LATTICE_RC_FEDERATION: '{sleep_limit: 10000, reject_limit: 10000, concurrent: 100}',
};
