/**
 * Timestamp massaging (Application Service API, spec v1.3): an appservice may
 * set the origin_server_ts of the events it sends with `?ts=` on /send and
 * /state. Others' `ts` is ignored, as Synapse does; a value origin_server_ts
 * cannot hold is 400 M_INVALID_PARAM.
 */
import { Errors } from '@lattice/core';
import type { Request } from 'express';

/** `{ origin_server_ts }` to spread into an event draft, or `{}`. */
export function appserviceTs(req: Request): { origin_server_ts?: number } {
  const ts = (req.query as Record<string, unknown>).ts;
  if (ts === undefined || req.requester?.appserviceId === undefined) return {};
  const value = typeof ts === 'string' && /^\d{1,16}$/.test(ts) ? Number(ts) : NaN;
  if (!Number.isSafeInteger(value)) throw Errors.invalidParam("'ts' must be a timestamp in milliseconds");
  return { origin_server_ts: value };
}
