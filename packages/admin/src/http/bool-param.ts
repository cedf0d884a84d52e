/** Boolean query parameters as Synapse reads them: `true` or `false`, anything else 400 M_INVALID_PARAM. */
import { Errors } from '@lattice/core';
import type { Request } from 'express';
import { queryString } from './query-params.js';

export function boolParam(req: Request, name: string): boolean | undefined {
  const raw = queryString(req, name);
  if (raw === undefined) return undefined;
  if (raw !== 'true' && raw !== 'false') throw Errors.invalidParam(`Query parameter '${name}' must be 'true' or 'false'`);
  return raw === 'true';
}
