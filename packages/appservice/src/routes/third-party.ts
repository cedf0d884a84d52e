/**
 * Third-party lookups (third_party_lookup.yaml): GET /thirdparty/protocols,
 * /protocol/{protocol}, /location[/{protocol}], /user[/{protocol}], answered
 * by the appservices that declare the protocol (protocols.yaml of the
 * Application Service API). Protocol metadata of several appservices is
 * merged: their instances are listed together, each with a unique instance_id.
 */
import { Errors } from '@lattice/core';
import { methodNotAllowed, requireAuth, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { callAppservice, jsonOf } from '../outbound/appservice-client.js';
import type { Appservice } from '../registration/appservice.js';
import type { AppserviceRegistry } from '../registration/registry.js';

const LOOKUP_TIMEOUT_MS = 10_000;
type Protocol = Record<string, unknown> & { instances?: unknown };

export function thirdPartyRouter(ctx: ClientApiContext, registry: AppserviceRegistry): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  /** One appservice's protocol metadata with instance ids made unique; undefined when it fails. */
  async function protocolOf(as: Appservice, protocol: string): Promise<Protocol | undefined> {
    const found = await ask(as, `/_matrix/app/v1/thirdparty/protocol/${encodeURIComponent(protocol)}`);
    if (typeof found !== 'object' || found === null || Array.isArray(found)) return undefined;
    const info = found as Protocol;
    const instances = Array.isArray(info.instances) ? info.instances : [];
    return {
      ...info,
      instances: instances
        .filter((i): i is Record<string, unknown> => typeof i === 'object' && i !== null)
        .map((i) => ({ ...i, instance_id: `${as.id}|${String(i.network_id ?? '')}` })),
    };
  }

  async function mergedProtocol(protocol: string): Promise<Protocol | undefined> {
    const infos = (await Promise.all(registry.forProtocol(protocol).map((as) => protocolOf(as, protocol)))).filter((p) => p !== undefined);
    if (infos.length === 0) return undefined;
    return { ...infos[0], instances: infos.flatMap((p) => p.instances as unknown[]) };
  }

  async function ask(as: Appservice, path: string): Promise<unknown> {
    try {
      return jsonOf(await callAppservice(as, { method: 'GET', path, timeoutMs: LOOKUP_TIMEOUT_MS }));
    } catch (err) {
      ctx.logger.info({ err, appservice: as.id, path }, 'third-party lookup failed');
      return undefined;
    }
  }

  /** Every appservice's list answer, concatenated (a failing one contributes nothing). */
  async function gather(appservices: readonly Appservice[], path: string, req: Request): Promise<unknown[]> {
    const query = forwardedQuery(req);
    const answers = await Promise.all(appservices.map((as) => ask(as, path + query)));
    return answers.flatMap((a) => (Array.isArray(a) ? a : []));
  }

  async function protocols(_req: Request, res: Response): Promise<void> {
    const names = new Set(registry.all.flatMap((as) => as.registration.protocols));
    const out: Record<string, Protocol> = {};
    for (const name of names) {
      const info = await mergedProtocol(name);
      if (info !== undefined) out[name] = info;
    }
    res.json(out);
  }

  async function protocol(req: Request<{ protocol: string }>, res: Response): Promise<void> {
    const info = await mergedProtocol(req.params.protocol);
    if (info === undefined) throw Errors.notFound('The protocol is unknown');
    res.json(info);
  }

  function byProtocol(kind: 'location' | 'user') {
    return async (req: Request<{ protocol: string }>, res: Response): Promise<void> => {
      const appservices = registry.forProtocol(req.params.protocol);
      if (appservices.length === 0) throw Errors.notFound('The protocol is unknown');
      res.json(await gather(appservices, `/_matrix/app/v1/thirdparty/${kind}/${encodeURIComponent(req.params.protocol)}`, req));
    };
  }

  function reverse(kind: 'location' | 'user', param: 'alias' | 'userid') {
    return async (req: Request, res: Response): Promise<void> => {
      if (typeof req.query[param] !== 'string') throw Errors.missingParam(param);
      const appservices = registry.all.filter((as) => as.registration.url !== null && as.registration.protocols.length > 0);
      res.json(await gather(appservices, `/_matrix/app/v1/thirdparty/${kind}`, req));
    };
  }

  router.route('/thirdparty/protocols').get(auth, protocols).all(methodNotAllowed);
  router.route('/thirdparty/protocol/:protocol').get(auth, protocol).all(methodNotAllowed);
  router.route('/thirdparty/location/:protocol').get(auth, byProtocol('location')).all(methodNotAllowed);
  router.route('/thirdparty/user/:protocol').get(auth, byProtocol('user')).all(methodNotAllowed);
  router.route('/thirdparty/location').get(auth, reverse('location', 'alias')).all(methodNotAllowed);
  router.route('/thirdparty/user').get(auth, reverse('user', 'userid')).all(methodNotAllowed);
  return router;
}

/** The client's query string minus its credentials and identity assertion, for the appservice. */
function forwardedQuery(req: Request): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(req.query)) {
    if (key === 'access_token' || key === 'user_id' || key === 'device_id') continue;
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') params.append(key, v);
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
