/** Query parameters of media requests, with the spec's 400 errors. */
import { Errors } from '@lattice/core';
import type { Request } from 'express';

export function queryString(req: Request, key: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw Errors.invalidParam(`'${key}' must be given once`);
  return v;
}

/** A non-negative integer parameter (strictly positive when `positive`). */
export function queryInteger(req: Request, key: string, options: { positive?: boolean } = {}): number | undefined {
  const v = queryString(req, key);
  if (v === undefined) return undefined;
  const n = /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  if (Number.isNaN(n) || (options.positive === true && n === 0)) throw Errors.invalidParam(`'${key}' must be a ${options.positive ? 'positive' : 'non-negative'} integer`);
  return n;
}

export function queryBoolean(req: Request, key: string): boolean | undefined {
  const v = queryString(req, key);
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw Errors.invalidParam(`'${key}' must be true or false`);
  return v === 'true';
}
