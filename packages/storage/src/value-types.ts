/**
 * Result parsing shared by both drivers, so a row reads the same on `pg` and
 * PGlite (conventions in database.ts).
 */
export const PG_TYPE = { BYTEA: 17, INT8: 20, INT8_ARRAY: 1016 } as const;

/** int8 text → number; refuses values a JS number cannot hold exactly. */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} exceeds Number.MAX_SAFE_INTEGER`);
  return n;
}

/** A PostgreSQL error's SQLSTATE (e.g. '23505' unique_violation), from either driver. */
export function sqlStateOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export const SQLSTATE = {
  UNIQUE_VIOLATION: '23505',
  FOREIGN_KEY_VIOLATION: '23503',
  SERIALIZATION_FAILURE: '40001',
} as const;
