/**
 * Query parameters of the timeline endpoints: a malformed value is 400
 * M_INVALID_PARAM, a missing required one M_MISSING_PARAM. A parameter given
 * twice is malformed (we would otherwise have to pick one silently).
 */
import {
  DEFAULT_EVENT_LIMIT,
  Errors,
  MAX_EVENT_LIMIT,
  decodeFilterParam,
  parseRoomEventFilter,
  type RoomEventFilter,
} from '@lattice/core';
import type { Request } from 'express';

export function queryString(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw Errors.invalidParam(`'${name}' must be given once, as a string`);
  return value;
}

export function requiredQueryString(req: Request, name: string): string {
  const value = queryString(req, name);
  if (value === undefined) throw Errors.missingParam(name);
  return value;
}

export type Direction = 'b' | 'f';

/** `dir`: required for /messages, optional (default b) for /relations. */
export function direction(req: Request, fallback?: Direction): Direction {
  const raw = fallback === undefined ? requiredQueryString(req, 'dir') : (queryString(req, 'dir') ?? fallback);
  if (raw !== 'b' && raw !== 'f') throw Errors.invalidParam("'dir' must be 'b' or 'f'");
  return raw;
}

/** A non-negative integer, clamped to MAX_EVENT_LIMIT; `fallback` when absent. */
export function limitParam(req: Request, fallback = DEFAULT_EVENT_LIMIT, min = 0): number {
  const raw = queryString(req, 'limit');
  if (raw === undefined) return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < min) throw Errors.invalidParam(`'limit' must be an integer of at least ${min}`);
  return Math.min(Number(raw), MAX_EVENT_LIMIT);
}

export function booleanParam(req: Request, name: string): boolean | undefined {
  const raw = queryString(req, name);
  if (raw === undefined) return undefined;
  if (raw !== 'true' && raw !== 'false') throw Errors.invalidParam(`'${name}' must be true or false`);
  return raw === 'true';
}

/** The `filter` parameter of /messages and /context: a JSON RoomEventFilter. */
export function roomEventFilterParam(req: Request): RoomEventFilter | undefined {
  const raw = queryString(req, 'filter');
  if (raw === undefined || raw === '') return undefined;
  return parseRoomEventFilter(decodeFilterParam(raw), 'M_INVALID_PARAM');
}
