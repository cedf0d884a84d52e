/**
 * The Push Rules API (pushrules.yaml): GET /pushrules/ and /pushrules/global/,
 * and per rule GET/PUT/DELETE /pushrules/global/{kind}/{ruleId} with its
 * /enabled and /actions. Path parameters that are wrong → 400 M_INVALID_PARAM,
 * malformed bodies → M_BAD_JSON / M_NOT_JSON, unknown rules → 404 M_NOT_FOUND.
 */
import {
  Errors,
  validatePushActions,
  validatePushRuleEnabled,
  validatePushRuleScopeAndKind,
  validateUserPushRule,
  type PushRule,
  type PushRuleKind,
} from '@lattice/core';
import { methodNotAllowed, objectBody, requireAuth, requesterOf, type ClientApiContext } from '@lattice/client-api';
import type { SyncServices } from '@lattice/sync';
import { Router, type Request, type Response } from 'express';
import { loadPushRules, type PushRulesOptions } from '../rules/push-rules-store.js';
import { deleteUserRule, putUserRule, setRuleAttribute, type PushRulesWriter } from '../rules/push-rules-writes.js';

type RuleParams = { kind: string; ruleId: string };

function optionalQueryString(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw Errors.invalidParam(`'${name}' must be a single string`);
  return value;
}

export function pushRulesRouter(ctx: ClientApiContext, services: SyncServices, options: PushRulesOptions): Router {
  const router = Router();
  const auth = requireAuth(ctx);
  const writer = (): PushRulesWriter => ctx.rooms.hub.writer('push_rules');

  async function rulesOf(req: Request) {
    const { userId } = requesterOf(req);
    await services.beforeRead(userId);
    return loadPushRules(ctx.db, userId, options);
  }

  async function ruleOf(req: Request<RuleParams>): Promise<PushRule> {
    const kind = validatePushRuleScopeAndKind('global', req.params.kind);
    const rule = (await rulesOf(req))[kind].find((r) => r.rule_id === req.params.ruleId);
    if (!rule) throw Errors.notFound('The push rule does not exist');
    return rule;
  }

  async function written(req: Request, write: (userId: string) => Promise<number>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const position = await write(userId);
    await services.afterWrite(userId, 'push_rules', position);
    res.json({});
  }

  async function put(req: Request<RuleParams>, res: Response): Promise<void> {
    const kind: PushRuleKind = validatePushRuleScopeAndKind('global', req.params.kind);
    const before = optionalQueryString(req, 'before');
    const after = optionalQueryString(req, 'after');
    const rule = validateUserPushRule(kind, req.params.ruleId, objectBody(req));
    await written(req, (userId) => putUserRule(ctx.db, writer(), userId, kind, rule, { before, after }), res);
  }

  async function remove(req: Request<RuleParams>, res: Response): Promise<void> {
    const kind = validatePushRuleScopeAndKind('global', req.params.kind);
    await written(req, (userId) => deleteUserRule(ctx.db, writer(), userId, kind, req.params.ruleId), res);
  }

  async function putEnabled(req: Request<RuleParams>, res: Response): Promise<void> {
    const kind = validatePushRuleScopeAndKind('global', req.params.kind);
    const enabled = validatePushRuleEnabled(objectBody(req));
    await written(req, (userId) => setRuleAttribute(ctx.db, writer(), userId, kind, req.params.ruleId, { enabled }, options), res);
  }

  async function putActions(req: Request<RuleParams>, res: Response): Promise<void> {
    const kind = validatePushRuleScopeAndKind('global', req.params.kind);
    const body = objectBody(req);
    if (!('actions' in body)) throw Errors.badJson('Missing "actions"');
    const actions = validatePushActions(body.actions);
    await written(req, (userId) => setRuleAttribute(ctx.db, writer(), userId, kind, req.params.ruleId, { actions }, options), res);
  }

  router.route('/pushrules/').get(auth, async (req, res) => void res.json({ global: await rulesOf(req) })).all(methodNotAllowed);
  router.route('/pushrules/global/').get(auth, async (req, res) => void res.json(await rulesOf(req))).all(methodNotAllowed);
  router
    .route('/pushrules/global/:kind/:ruleId')
    .get(auth, async (req: Request<RuleParams>, res) => void res.json(await ruleOf(req)))
    .put(auth, put)
    .delete(auth, remove)
    .all(methodNotAllowed);
  router
    .route('/pushrules/global/:kind/:ruleId/enabled')
    .get(auth, async (req: Request<RuleParams>, res) => void res.json({ enabled: (await ruleOf(req)).enabled }))
    .put(auth, putEnabled)
    .all(methodNotAllowed);
  router
    .route('/pushrules/global/:kind/:ruleId/actions')
    .get(auth, async (req: Request<RuleParams>, res) => void res.json({ actions: (await ruleOf(req)).actions }))
    .put(auth, putActions)
    .all(methodNotAllowed);
  return router;
}
