/**
 * Request bodies: read as raw bytes with a size limit (413 M_TOO_LARGE), parsed
 * lazily with the strict JSON parser on first use, so that authentication and
 * routing errors come before body errors and a body is parsed at most once.
 */
import { AsyncResource } from 'node:async_hooks';
import { Errors, MatrixError, JsonParseError, parseJsonStrict } from '@lattice/core';
import type { Request, RequestHandler } from 'express';
import './request-types.js';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function tooLarge(maxBytes: number): MatrixError {
  // Close the connection: the rest of an oversized body is not worth reading.
  return new MatrixError(413, 'M_TOO_LARGE', `Request body exceeds ${maxBytes} bytes`, {}, { Connection: 'close' });
}

/** Buffers the request body into req.rawBody, refusing more than maxBytes. Idempotent. */
export function rawBody(maxBytes: number): RequestHandler {
  return (req, _res, proceed) => {
    if (req.rawBody !== undefined || !METHODS_WITH_BODY.has(req.method)) {
      proceed();
      return;
    }
    // Stream events run outside the request's async context: the handlers after this one run in it.
    // (Not AsyncResource.bind: on Node 20 each call also builds a util.deprecate wrapper, ~50 µs.)
    const context = new AsyncResource('lattice.rawBody');
    const next = (err?: unknown): void => context.runInAsyncScope(proceed, undefined, err);
    const declared = Number(req.headers['content-length']);
    if (declared > maxBytes) {
      next(tooLarge(maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      if (err === undefined) req.rawBody = Buffer.concat(chunks, size);
      next(err);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        finish(tooLarge(maxBytes));
      } else {
        chunks.push(chunk);
      }
    };
    req.on('data', onData);
    req.once('end', () => finish());
    req.once('error', (err) => finish(err));
  };
}

/** The body parsed as strict JSON: M_NOT_JSON for an empty or unparsable body, M_BAD_JSON for JSON we refuse. */
export function jsonBody(req: Request): unknown {
  if (req.parsedJson) return req.parsedJson.value;
  const raw = req.rawBody;
  if (raw === undefined || raw.length === 0) throw Errors.notJson('Request body is empty; expected a JSON object');
  let value: unknown;
  try {
    value = parseJsonStrict(raw);
  } catch (err) {
    if (err instanceof JsonParseError) throw err.toMatrixError();
    throw err;
  }
  req.parsedJson = { value };
  return value;
}

/** The body as a JSON object (M_BAD_JSON when it is JSON but not an object). */
export function objectBody(req: Request): Record<string, unknown> {
  const value = jsonBody(req);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw Errors.badJson('Content must be a JSON object');
  return value as Record<string, unknown>;
}

/** Like objectBody, but an absent body counts as `{}` (for endpoints clients call without one). */
export function optionalObjectBody(req: Request): Record<string, unknown> {
  if (req.rawBody === undefined || req.rawBody.length === 0) return {};
  return objectBody(req);
}
