/**
 * Per-request id and logger: the id (the load balancer's X-Request-Id when sane,
 * else a fresh one) tags every log line written while the request is handled
 * (core's runWithRequestId), and one access-log line is written when the
 * response is done.
 */
import { newRequestId, requestLogger, runWithRequestId, type Logger } from '@lattice/core';
import type { RequestHandler } from 'express';
import './request-types.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    req.id = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : newRequestId(req.method);
    req.log = requestLogger(logger, req.id);
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The path only: query strings may carry access tokens.
      const path = req.originalUrl.split('?', 1)[0];
      req.log.info({ method: req.method, path, status: res.statusCode, ms: Math.round(ms * 100) / 100 }, 'request');
    });
    runWithRequestId(req.id, next);
  };
}
