/**
 * Query parameters of the admin endpoints, refused the way Synapse refuses
 * them: 400 M_INVALID_PARAM for a malformed value (or one given twice).
 */
import { Errors } from '@lattice/core';
import type { Request } from 'express';

export function queryString(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw Errors.invalidParam(`Query parameter '${name}' must be given once, as a string`);
  return value;
}

/** A non-negative integer, `fallback` when absent. */
export function intParam(req: Request, name: string, fallback: number): number {
  const raw = queryString(req, name);
  if (raw === undefined) return fallback;
  if (!/^[0-9]{1,15}$/.test(raw)) throw Errors.invalidParam(`Query parameter '${name}' must be a non-negative integer`);
  return Number(raw);
}

export function enumParam<T extends string>(req: Request, name: string, values: readonly T[], fallback: T): T {
  const raw = queryString(req, name);
  if (raw === undefined) return fallback;
  if (!(values as readonly string[]).includes(raw)) throw Errors.invalidParam(`Unknown value for '${name}': ${raw}`);
  return raw as T;
}
