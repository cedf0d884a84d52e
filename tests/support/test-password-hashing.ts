/**
 * The environment override that test servers hash passwords with: scrypt at its
 * lowest accepted cost, N = 2^10 (1 MiB) instead of the default 2^15 (32 MiB).
 * The suites register and log in thousands of accounts, and at the default cost
 * hashing was a quarter of the whole suite's CPU on a 2-core machine. The
 * default cost is checked in client-api's password-hash tests.
 */
export const TEST_PASSWORD_HASHING_ENV: Record<string, string> = {
  LATTICE_PASSWORD_CONFIG__SCRYPT_LOG2_N: '10',
};
