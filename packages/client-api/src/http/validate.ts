/**
 * Reading fields of a JSON request body with the spec's errors: a missing
 * required field is M_MISSING_PARAM, a field of the wrong type M_INVALID_PARAM.
 * Optional fields treat `null` like absence, as clients commonly send it.
 */
import { Errors } from '@lattice/core';

type Body = Record<string, unknown>;

function wrongType(key: string, expected: string): Error {
  return Errors.invalidParam(`'${key}' must be ${expected}`);
}

export function optionalString(body: Body, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw wrongType(key, 'a string');
  return v;
}

export function requireString(body: Body, key: string): string {
  const v = optionalString(body, key);
  if (v === undefined) throw Errors.missingParam(key);
  return v;
}

export function optionalBoolean(body: Body, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw wrongType(key, 'a boolean');
  return v;
}

export function optionalObject(body: Body, key: string): Body | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(key, 'an object');
  return v as Body;
}

export function requireStringArray(body: Body, key: string): string[] {
  const v = body[key];
  if (v === undefined || v === null) throw Errors.missingParam(key);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw wrongType(key, 'an array of strings');
  return v as string[];
}
