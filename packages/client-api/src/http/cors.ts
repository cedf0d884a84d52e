/**
 * CORS as "Web Browser Clients" requires: the recommended headers on every
 * response, and OPTIONS answered here without running any endpoint logic.
 */
import type { RequestHandler } from 'express';

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'X-Requested-With, Content-Type, Authorization',
};

export function cors(): RequestHandler {
  return (req, res, next) => {
    res.set(CORS_HEADERS);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}
