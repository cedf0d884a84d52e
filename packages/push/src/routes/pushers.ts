/**
 * GET /pushers and POST /pushers/set (pusher.yaml). A pusher belongs to the
 * device whose access token set it (it goes when the device does). Missing
 * required fields → M_MISSING_PARAM, wrong ones → M_INVALID_PARAM.
 */
import { Errors } from '@lattice/core';
import { methodNotAllowed, objectBody, optionalBoolean, optionalObject, optionalString, requireAuth, requesterOf, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { changePushers } from '../pushers/pusher-changes.js';
import { deletePusher, pushersOfUser, setPusher, type Pusher } from '../pushers/pusher-store.js';

/** The path every push gateway URL ends with (push-gateway-api). */
export const NOTIFY_PATH = '/_matrix/push/v1/notify';
const SUPPORTED_KINDS = new Set(['http']);
const MAX_PUSHKEY_BYTES = 512;
const MAX_APP_ID_LENGTH = 64;

function requiredFields(body: Record<string, unknown>, names: readonly string[]): void {
  const missing = names.filter((n) => !(n in body));
  if (missing.length > 0) throw Errors.missingParam(missing.join(', '));
}

function validateHttpData(data: Record<string, unknown>): void {
  const url = data.url;
  if (typeof url !== 'string') throw Errors.invalidParam("'data.url' is required for http pushers");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw Errors.invalidParam("'data.url' must be an absolute URL");
  }
  if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.pathname !== NOTIFY_PATH) {
    throw Errors.invalidParam(`'data.url' must be an HTTP(S) URL with the path ${NOTIFY_PATH}`);
  }
  if (data.format !== undefined && data.format !== 'event_id_only') throw Errors.invalidParam("'data.format' must be \"event_id_only\" when given");
}

export function publicPusher(p: Pusher): Record<string, unknown> {
  return {
    pushkey: p.pushkey,
    kind: p.kind,
    app_id: p.appId,
    app_display_name: p.appDisplayName,
    device_display_name: p.deviceDisplayName,
    ...(p.profileTag !== undefined ? { profile_tag: p.profileTag } : {}),
    lang: p.lang,
    data: p.data,
  };
}

/** Every pusher set or deleted here is announced to every worker's push dispatcher (pusher-changes.ts). */
export function pushersRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  async function list(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    res.json({ pushers: (await pushersOfUser(ctx.db, userId)).map(publicPusher) });
  }

  async function set(req: Request, res: Response): Promise<void> {
    const { userId, deviceId } = requesterOf(req);
    const body = objectBody(req);
    requiredFields(body, ['kind', 'app_id', 'pushkey']);
    const appId = optionalString(body, 'app_id');
    const pushkey = optionalString(body, 'pushkey');
    if (appId === undefined || pushkey === undefined) throw Errors.invalidParam("'app_id' and 'pushkey' must be strings");
    if (appId.length > MAX_APP_ID_LENGTH) throw Errors.invalidParam(`'app_id' is longer than ${MAX_APP_ID_LENGTH} characters`);
    if (Buffer.byteLength(pushkey) > MAX_PUSHKEY_BYTES) throw Errors.invalidParam(`'pushkey' is longer than ${MAX_PUSHKEY_BYTES} bytes`);
    if (body.kind === null) {
      await changePushers(ctx, userId, (tx) => deletePusher(tx, userId, appId, pushkey));
      res.json({});
      return;
    }
    const kind = optionalString(body, 'kind')!;
    requiredFields(body, ['app_display_name', 'device_display_name', 'lang', 'data']);
    if (!SUPPORTED_KINDS.has(kind)) throw Errors.invalidParam(`Unsupported pusher kind: ${kind}`);
    const data = optionalObject(body, 'data') ?? {};
    validateHttpData(data);
    const appDisplayName = optionalString(body, 'app_display_name');
    const deviceDisplayName = optionalString(body, 'device_display_name');
    const lang = optionalString(body, 'lang');
    if (appDisplayName === undefined || deviceDisplayName === undefined || lang === undefined) {
      throw Errors.invalidParam("'app_display_name', 'device_display_name' and 'lang' must be strings");
    }
    const append = optionalBoolean(body, 'append') ?? false;
    const pusher: Pusher = {
      userId,
      deviceId,
      appId,
      pushkey,
      kind,
      appDisplayName,
      deviceDisplayName,
      profileTag: optionalString(body, 'profile_tag'),
      lang,
      data,
      pushkeyTs: Date.now(),
    };
    await changePushers(ctx, userId, (tx) => setPusher(tx, pusher, append));
    res.json({});
  }

  router.route('/pushers').get(auth, list).all(methodNotAllowed);
  router.route('/pushers/set').post(auth, set).all(methodNotAllowed);
  return router;
}
