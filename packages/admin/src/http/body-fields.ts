/** Optional fields of admin request bodies: absent or null takes the fallback, a wrong type is 400 M_BAD_JSON. */
import { Errors } from '@lattice/core';

type FieldTypes = { boolean: boolean; string: string; timestamp: number };

const CHECKS: { [K in keyof FieldTypes]: (v: unknown) => boolean } = {
  boolean: (v) => typeof v === 'boolean',
  string: (v) => typeof v === 'string',
  timestamp: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
};

export function optionalField<K extends keyof FieldTypes>(body: Record<string, unknown>, key: string, type: K): FieldTypes[K] | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!CHECKS[type](value)) throw Errors.badJson(`Param '${key}' must be a ${type}, if given`);
  return value as FieldTypes[K];
}
