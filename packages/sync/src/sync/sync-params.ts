/** The query parameters of GET /sync (sync.yaml), validated: 400 M_INVALID_PARAM for malformed ones. */
import { Errors } from '@lattice/core';
import { SyncToken } from '@lattice/replication';
import type { Request } from 'express';

export interface SyncParams {
  since: SyncToken | undefined;
  /** Milliseconds, clamped to MAX_TIMEOUT_MS. */
  timeoutMs: number;
  fullState: boolean;
  filter: string | undefined;
  /** set_presence: absent means online; offline means this sync does not affect presence. */
  setPresence: SyncPresence | undefined;
}

export type SyncPresence = 'online' | 'unavailable' | 'offline';

/** A long-poll never holds a request longer than this, whatever the client asks. */
export const MAX_TIMEOUT_MS = 5 * 60_000;
const PRESENCE_VALUES = new Set(['offline', 'online', 'unavailable']);

function single(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw Errors.invalidParam(`'${name}' must be given once`);
  return value;
}

function booleanParam(req: Request, name: string): boolean {
  const value = single(req, name);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw Errors.invalidParam(`'${name}' must be true or false`);
}

export function parseSyncParams(req: Request): SyncParams {
  const timeoutText = single(req, 'timeout');
  let timeoutMs = 0;
  if (timeoutText !== undefined) {
    if (!/^[0-9]{1,15}$/.test(timeoutText)) throw Errors.invalidParam("'timeout' must be a non-negative integer");
    timeoutMs = Math.min(Number(timeoutText), MAX_TIMEOUT_MS);
  }
  const since = single(req, 'since');
  const presence = single(req, 'set_presence');
  if (presence !== undefined && !PRESENCE_VALUES.has(presence)) throw Errors.invalidParam("Invalid 'set_presence'");
  return {
    since: since === undefined || since === '' ? undefined : SyncToken.parse(since),
    timeoutMs,
    fullState: booleanParam(req, 'full_state'),
    filter: single(req, 'filter'),
    setPresence: presence as SyncPresence | undefined,
  };
}
