/**
 * GET/POST /auth/{authType}/fallback/web?session=… (spec "Fallback"): completes
 * a stage of an existing UIA session in a web browser, for clients that cannot
 * do the stage themselves. Served for m.login.password and m.login.dummy, when
 * that stage is the next one of a flow the session offered. GET only shows the
 * form; the POST (form-encoded, with the session id as its CSRF secret) does the
 * stage and records it on the session, after which the client resubmits its
 * request with just `auth.session`.
 */
import { Errors, MatrixError } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../context.js';
import { enforceRateLimit, rateLimitWait, type RateLimitRequest } from '../ratelimit/rate-limits.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { addCompletedStage, getUiaSession, type UiaSessionRecord } from '../stores/uia-sessions.js';
import { FALLBACK_CSP, fallbackDonePage, fallbackFormPage, type FallbackForm } from './fallback-page.js';
import { STAGES } from './stages.js';
import { isNextStage, UIA_SESSION_LIFETIME_MS } from './user-interactive-auth.js';

const FALLBACK_STAGES = new Set<string>(['m.login.password', 'm.login.dummy']);

type FallbackParams = { authType: string };

function sendHtml(res: Response, html: string, status = 200): void {
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': FALLBACK_CSP,
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    })
    .send(html);
}

export function uiaFallbackRouter(ctx: ClientApiContext): Router {
  const router = Router();
  // Password guesses through the page count like failed logins.
  const failures = (key: string, record: boolean): RateLimitRequest => ({
    name: 'rc_login.failed_attempts',
    limit: ctx.config.rc_login.failed_attempts,
    key,
    record,
  });

  /** The stage and session of the request, or the error: unknown stage 404, bad session 400. */
  async function target(req: Request<FallbackParams>, sessionId: unknown): Promise<{ stage: FallbackForm['stage']; session: UiaSessionRecord }> {
    const stage = req.params.authType;
    if (!FALLBACK_STAGES.has(stage)) throw Errors.notFound(`No fallback page for auth type ${stage}`);
    if (typeof sessionId !== 'string' || sessionId === '') throw Errors.missingParam('session');
    const session = await getUiaSession(ctx.db, sessionId, Date.now() - UIA_SESSION_LIFETIME_MS);
    if (!session) throw new MatrixError(400, 'M_UNKNOWN', 'Unknown or expired user-interactive auth session');
    return { stage: stage as FallbackForm['stage'], session };
  }

  /** Is the stage done already, or can it be done now in this session? */
  function stageState(stage: string, session: UiaSessionRecord): 'done' | 'next' {
    if (session.completed.includes(stage)) return 'done';
    if (session.flows !== null && isNextStage(session.flows, session.completed, stage)) return 'next';
    throw Errors.forbidden(`${stage} is not the next stage of this session`);
  }

  async function show(req: Request<FallbackParams>, res: Response): Promise<void> {
    const { stage, session } = await target(req, req.query.session);
    if (stageState(stage, session) === 'done') return sendHtml(res, fallbackDonePage());
    sendHtml(res, fallbackFormPage({ stage, sessionId: session.sessionId, userId: session.userId }));
  }

  async function submit(req: Request<FallbackParams>, res: Response): Promise<void> {
    const form = new URLSearchParams(req.rawBody?.toString('utf8') ?? '');
    const { stage, session } = await target(req, form.get('session') ?? req.query.session);
    if (stageState(stage, session) === 'done') return sendHtml(res, fallbackDonePage());
    if (stage === 'm.login.password') {
      const key = session.userId ?? session.sessionId;
      await enforceRateLimit(ctx, failures(key, false));
      const auth = { identifier: { type: 'm.id.user', user: session.userId }, password: form.get('password') ?? '' };
      const failure = session.userId === null ? 'No account to confirm' : await STAGES[stage]!(ctx, auth, session.userId, session.sessionId);
      if (failure !== undefined) {
        await rateLimitWait(ctx, failures(key, true));
        return sendHtml(res, fallbackFormPage({ stage, sessionId: session.sessionId, userId: session.userId, error: failure }), 401);
      }
    }
    await addCompletedStage(ctx.db, session.sessionId, stage);
    sendHtml(res, fallbackDonePage());
  }

  router.route('/auth/:authType/fallback/web').get(show).post(submit).all(methodNotAllowed);
  return router;
}
