/**
 * The query of GET /hierarchy: `limit` (an integer > 0, default 50, at most
 * 100), `max_depth` (an integer >= 0, default and cap 50: deeper trees are cut
 * there), `suggested_only` (true/false) and `from`, a token that must come from
 * a request with the same room, max_depth and suggested_only. Anything else is
 * 400 M_INVALID_PARAM. Tokens are stateless: they name the walk and how many
 * rooms of it were already returned (base64url JSON).
 */
import { Errors } from '@lattice/core';
import type { Request } from 'express';
import { decodeJsonToken, encodeJsonToken } from '../../http/json-token.js';
import { booleanParam, queryString } from '../timeline/params.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;
export const MAX_DEPTH = 50;

export interface HierarchyQuery {
  roomId: string;
  limit: number;
  maxDepth: number;
  suggestedOnly: boolean;
  /** Rooms of the walk already returned by earlier pages. */
  skip: number;
}

function integerParam(req: Request, name: string, min: number): number | undefined {
  const raw = queryString(req, name);
  if (raw === undefined) return undefined;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < min) throw Errors.invalidParam(`'${name}' must be an integer of at least ${min}`);
  return Number(raw);
}

export function parseHierarchyQuery(req: Request, roomId: string): HierarchyQuery {
  const limit = Math.min(integerParam(req, 'limit', 1) ?? DEFAULT_LIMIT, MAX_LIMIT);
  const maxDepth = Math.min(integerParam(req, 'max_depth', 0) ?? MAX_DEPTH, MAX_DEPTH);
  const suggestedOnly = booleanParam(req, 'suggested_only') ?? false;
  const from = queryString(req, 'from');
  const query: HierarchyQuery = { roomId, limit, maxDepth, suggestedOnly, skip: 0 };
  if (from !== undefined) {
    const token = decodeHierarchyToken(from);
    if (token.roomId !== roomId) throw Errors.invalidParam("'from' belongs to another room's hierarchy");
    if (token.maxDepth !== maxDepth || token.suggestedOnly !== suggestedOnly) {
      throw Errors.invalidParam('suggested_only and max_depth cannot change on paginated requests');
    }
    query.skip = token.skip;
  }
  return query;
}

export function encodeHierarchyToken(q: Omit<HierarchyQuery, 'limit'>): string {
  return encodeJsonToken([q.roomId, q.maxDepth, q.suggestedOnly, q.skip]);
}

function decodeHierarchyToken(text: string): Omit<HierarchyQuery, 'limit'> {
  const parts = decodeJsonToken(text);
  if (parts?.length === 4) {
    const [roomId, maxDepth, suggestedOnly, skip] = parts;
    if (typeof roomId === 'string' && Number.isSafeInteger(maxDepth) && typeof suggestedOnly === 'boolean' && Number.isSafeInteger(skip) && (skip as number) > 0) {
      return { roomId, maxDepth: maxDepth as number, suggestedOnly, skip: skip as number };
    }
  }
  throw Errors.invalidParam("Unknown 'from' token");
}
