/**
 * /_matrix/key/v2 (keys_server.yaml, keys_query.yaml): this server's own keys,
 * and the notary API that serves other servers' keys (fetched directly when
 * the stored copy is not fresh enough) countersigned with our key.
 */
import { Errors, isValidServerName, signJson, type SigningKey } from '@lattice/core';
import { methodNotAllowed, objectBody, rawBody } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import type { OwnServerKeys } from '../keys/own-keys.js';

/** Where notary answers come from (RemoteKeyRing.responsesForNotary). */
export interface NotarySource {
  responsesForNotary(serverName: string, keyIds: readonly string[], minimumValidUntilTs: number): Promise<Record<string, unknown>[]>;
}

export interface KeyRoutesDeps {
  ownKeys: OwnServerKeys;
  signingKey: SigningKey;
  notary: NotarySource;
  maxBodyBytes: number;
  now?: () => number;
}

/** Most servers one POST may ask about: each may cost this server a fetch. */
const MAX_SERVERS_PER_QUERY = 100;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function keyRoutes(deps: KeyRoutesDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const serverName = deps.ownKeys.serverName;

  async function keysOf(server: string, keyIds: readonly string[], minimumValidUntilTs: number): Promise<Record<string, unknown>[]> {
    if (server === serverName) return [deps.ownKeys.response()];
    const responses = await deps.notary.responsesForNotary(server, keyIds, minimumValidUntilTs);
    return responses.map((r) => signJson(r, serverName, deps.signingKey, { strict: false }));
  }

  // The key id path segment was removed from the spec; older servers still send it, and get every key.
  for (const path of ['/_matrix/key/v2/server', '/_matrix/key/v2/server/:keyId']) {
    router
      .route(path)
      .get((_req, res) => {
        res.json(deps.ownKeys.response());
      })
      .all(methodNotAllowed);
  }

  router
    .route('/_matrix/key/v2/query/:serverName')
    .get(async (req: Request<{ serverName: string }>, res: Response) => {
      const { serverName: server } = req.params;
      if (!isValidServerName(server)) throw Errors.invalidParam('Invalid server name');
      const minimum = minimumValidUntil(req.query.minimum_valid_until_ts, now());
      res.json({ server_keys: await keysOf(server, [], minimum) });
    })
    .all(methodNotAllowed);

  router
    .route('/_matrix/key/v2/query')
    .post(rawBody(deps.maxBodyBytes), async (req: Request, res: Response) => {
      const body = objectBody(req);
      if (!isObject(body.server_keys)) throw Errors.badJson('server_keys must be an object');
      const queries = Object.entries(body.server_keys);
      if (queries.length > MAX_SERVERS_PER_QUERY) throw Errors.invalidParam(`At most ${MAX_SERVERS_PER_QUERY} servers per query`);
      const results = await Promise.all(
        queries.map(async ([server, criteria]) => {
          if (!isValidServerName(server) || !isObject(criteria)) throw Errors.badJson(`Invalid query for ${server}`);
          // Absent criteria mean "now" (keys_query.yaml); several keys: the strictest asked for.
          const minimums = Object.values(criteria).map((c) => {
            if (!isObject(c)) throw Errors.badJson(`Invalid query criteria for ${server}`);
            const ts = c.minimum_valid_until_ts;
            if (ts === undefined) return now();
            if (!Number.isSafeInteger(ts)) throw Errors.badJson('minimum_valid_until_ts must be an integer');
            return ts as number;
          });
          return keysOf(server, Object.keys(criteria), minimums.length > 0 ? Math.max(...minimums) : now());
        }),
      );
      res.json({ server_keys: results.flat() });
    })
    .all(methodNotAllowed);

  return router;
}

function minimumValidUntil(value: unknown, now: number): number {
  if (value === undefined) return now;
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value)) throw Errors.invalidParam('minimum_valid_until_ts must be an integer');
  return Number(value);
}
