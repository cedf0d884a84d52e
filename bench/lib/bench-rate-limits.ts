/**
 * Rate limits lifted for benchmarks: one bench user sends, joins and creates
 * rooms far faster than Synapse's defaults allow a person to (Synapse's own
 * benchmarks turn them off too). The limits themselves are tested, not benched.
 */
const UNLIMITED = '{ per_second: 100000, burst_count: 100000 }';

export const BENCH_RATE_LIMITS = `rc_message: ${UNLIMITED}
rc_registration: ${UNLIMITED}
rc_room_creation: ${UNLIMITED}
rc_joins: { local: ${UNLIMITED}, remote: ${UNLIMITED} }
rc_joins_per_room: ${UNLIMITED}
rc_invites: { per_room: ${UNLIMITED}, per_user: ${UNLIMITED}, per_issuer: ${UNLIMITED} }
rc_login: { address: ${UNLIMITED}, account: ${UNLIMITED}, failed_attempts: ${UNLIMITED} }
rc_media_create: ${UNLIMITED}
`;
