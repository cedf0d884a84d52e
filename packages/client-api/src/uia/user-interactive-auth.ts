/**
 * User-Interactive Authentication (spec "User-Interactive Authentication API").
 * Sessions live in the database so any replica can continue them, and are bound
 * to the request that started them (method, path, user): completing auth for
 * one operation cannot authorise another.
 */
import { Errors, MatrixError } from '@lattice/core';
import type { Request } from 'express';
import type { ClientApiContext } from '../context.js';
import { generateSecretId } from '../crypto/tokens.js';
import { optionalObject } from '../http/validate.js';
import {
  addCompletedStage,
  createUiaSession,
  deleteUiaSession,
  deleteUiaSessionsBefore,
  getUiaSession,
  type UiaSessionRecord,
} from '../stores/uia-sessions.js';
import { STAGES } from './stages.js';
import { UiaRequiredError } from './uia-required-error.js';

import { UIA_SESSION_LIFETIME_MS } from './session-lifetime.js';

export { UIA_SESSION_LIFETIME_MS };

export interface UiaPolicy {
  /** Each flow is the ordered list of stages that completes auth. */
  flows: string[][];
  params?: Record<string, unknown>;
  /** The account the operation acts on (the requester); null for registration. */
  userId: string | null;
}

export interface UiaPassed {
  sessionId: string;
  /** Ends the session once the operation has succeeded, so it cannot be replayed. */
  finish(): Promise<void>;
}

/** Can `stage` be attempted next, i.e. does some flow continue `completed` with it? */
export function isNextStage(flows: string[][], completed: readonly string[], stage: string): boolean {
  return flows.some((flow) => completed.every((s, i) => flow[i] === s) && flow[completed.length] === stage);
}

function isComplete(flows: string[][], completed: readonly string[]): boolean {
  return flows.some((flow) => flow.length <= completed.length && flow.every((s, i) => completed[i] === s));
}

function requestPath(req: Request): string {
  return req.originalUrl.split('?', 1)[0]!;
}

async function newSession(ctx: ClientApiContext, req: Request, policy: UiaPolicy): Promise<UiaSessionRecord> {
  const now = Date.now();
  await deleteUiaSessionsBefore(ctx.db, now - UIA_SESSION_LIFETIME_MS);
  const { userId, flows } = policy;
  const session = { sessionId: generateSecretId(), method: req.method, path: requestPath(req), userId, flows, completed: [], createdTs: now };
  await createUiaSession(ctx.db, session, now);
  return session;
}

/**
 * Passes when the request's `auth` completes a flow of `policy`; otherwise throws
 * the 401 auth response (or a standard error when the request is not usable).
 */
export async function requireUserInteractiveAuth(
  ctx: ClientApiContext,
  req: Request,
  body: Record<string, unknown>,
  policy: UiaPolicy,
): Promise<UiaPassed> {
  const state = (session: UiaSessionRecord, completed: string[]) => ({
    flows: policy.flows.map((stages) => ({ stages })),
    params: policy.params ?? {},
    session: session.sessionId,
    completed,
  });

  const auth = optionalObject(body, 'auth');
  if (auth === undefined) {
    const session = await newSession(ctx, req, policy);
    throw new UiaRequiredError(state(session, []));
  }

  let session: UiaSessionRecord;
  if (auth.session === undefined) {
    session = await newSession(ctx, req, policy);
  } else {
    if (typeof auth.session !== 'string') throw Errors.invalidParam("'auth.session' must be a string");
    const found = await getUiaSession(ctx.db, auth.session, Date.now() - UIA_SESSION_LIFETIME_MS);
    if (!found) throw new MatrixError(400, 'M_UNKNOWN', 'Unknown or expired user-interactive auth session');
    session = found;
  }
  if (session.method !== req.method || session.path !== requestPath(req) || session.userId !== policy.userId) {
    throw Errors.forbidden('Requested operation has changed during the UI authentication session.');
  }

  let completed = session.completed;
  const type = auth.type;
  // Without a type the client asks whether out-of-band stages have completed.
  if (type !== undefined && !(typeof type === 'string' && completed.includes(type))) {
    if (typeof type !== 'string' || !isNextStage(policy.flows, completed, type)) {
      throw new UiaRequiredError(state(session, completed), {
        errcode: 'M_FORBIDDEN',
        message: 'This authentication stage is not expected now',
      });
    }
    const failure = await STAGES[type]!(ctx, auth, policy.userId, session.sessionId);
    if (failure !== undefined) throw new UiaRequiredError(state(session, completed), { errcode: 'M_FORBIDDEN', message: failure });
    completed = await addCompletedStage(ctx.db, session.sessionId, type);
  }

  if (!isComplete(policy.flows, completed)) throw new UiaRequiredError(state(session, completed));
  return { sessionId: session.sessionId, finish: () => deleteUiaSession(ctx.db, session.sessionId) };
}
