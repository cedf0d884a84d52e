/** The thumbnail query parameters (width, height, method, animated) of a client or federation request. */
import { Errors } from '@lattice/core';
import type { Request } from 'express';
import { queryBoolean, queryInteger, queryString } from '../http/query.js';
import type { ThumbnailMethod, ThumbnailRequest } from './thumbnail-size.js';

export function thumbnailRequest(req: Request): ThumbnailRequest {
  const width = queryInteger(req, 'width', { positive: true });
  const height = queryInteger(req, 'height', { positive: true });
  if (width === undefined) throw Errors.missingParam('width');
  if (height === undefined) throw Errors.missingParam('height');
  const method = queryString(req, 'method') ?? 'scale';
  if (method !== 'crop' && method !== 'scale') throw Errors.invalidParam("'method' must be crop or scale");
  return { width, height, method: method as ThumbnailMethod, animated: queryBoolean(req, 'animated') };
}
