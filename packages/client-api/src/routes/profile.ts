/**
 * Profiles (spec "Profiles", profile.yaml): GET the whole profile or one field,
 * PUT/DELETE one field of one's own profile. displayname and avatar_url are the
 * classic fields (propagated to member events); since v1.16 any other key
 * matching the spec's grammar holds any JSON value (m.tz a string), with the
 * whole profile under 64 KiB (M_PROFILE_TOO_LARGE) and keys under 255 bytes
 * (M_KEY_TOO_LARGE). Profiles of other servers' users are asked of their server.
 */
import { Errors, MatrixError, serverNameOf } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../context.js';
import { requesterOf, requireAuth } from '../http/auth.js';
import { objectBody } from '../http/body.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import {
  deleteOtherProfileField,
  getOtherProfileFields,
  getProfile,
  lockProfile,
  setOtherProfileField,
  setProfileField,
  type Profile,
  type ProfileField,
} from '../stores/profiles.js';
import { propagateProfile } from './rooms/profile-propagation.js';

const CLASSIC_FIELDS: readonly ProfileField[] = ['displayname', 'avatar_url'];

const KEY_NAME = /^(avatar_url|displayname|m\.tz|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/;
const MAX_KEY_BYTES = 255;
/** "the total profile MUST be under 64 KiB" (measured as its JSON). */
const MAX_PROFILE_BYTES = 64 * 1024;
const MAX_DISPLAYNAME_LENGTH = 256;
const MAX_AVATAR_URL_LENGTH = 1000;
const MXC_URI = /^mxc:\/\/[^/]+\/[^/]+$/;

type ProfileParams = { userId: string; keyName: string };

function profileJson(profile: Profile, others: Record<string, unknown>): Record<string, unknown> {
  const json: Record<string, unknown> = { ...others };
  if (profile.displayname !== null) json.displayname = profile.displayname;
  if (profile.avatar_url !== null) json.avatar_url = profile.avatar_url;
  return json;
}

function checkKeyName(keyName: string): void {
  if (Buffer.byteLength(keyName, 'utf8') > MAX_KEY_BYTES) throw new MatrixError(400, 'M_KEY_TOO_LARGE', 'Profile key is too long');
  if (!KEY_NAME.test(keyName)) throw Errors.invalidParam('Invalid profile key');
}

function isClassic(keyName: string): keyName is ProfileField {
  return (CLASSIC_FIELDS as readonly string[]).includes(keyName);
}

/** The new value of a classic field from a PUT body; '' clears the field, as clients use it. */
function classicValue(field: ProfileField, value: unknown): string | null {
  if (typeof value !== 'string') throw Errors.invalidParam(`'${field}' must be a string`);
  if (value === '') return null;
  if (field === 'displayname' && value.length > MAX_DISPLAYNAME_LENGTH) {
    throw Errors.invalidParam(`'displayname' exceeds ${MAX_DISPLAYNAME_LENGTH} characters`);
  }
  if (field === 'avatar_url' && (value.length > MAX_AVATAR_URL_LENGTH || !MXC_URI.test(value))) {
    throw Errors.invalidParam("'avatar_url' must be an mxc:// URI");
  }
  return value;
}

export function profileRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  async function fullProfile(userId: string): Promise<Record<string, unknown>> {
    const remote = ctx.remoteQueries;
    if (remote !== undefined && serverNameOf(userId) !== undefined && serverNameOf(userId) !== ctx.config.server_name) {
      const answer = await remote.profile(userId);
      if (answer === undefined) throw Errors.notFound('Profile not found');
      return answer;
    }
    let profile = await getProfile(ctx.db, userId);
    // An unknown user in an appservice's namespace: the appservice may create it now (GET /_matrix/app/v1/users/{userId}).
    if (!profile && (await ctx.appservices?.queryUser(userId))) profile = await getProfile(ctx.db, userId);
    if (!profile) throw Errors.notFound('Profile not found');
    return profileJson(profile, await getOtherProfileFields(ctx.db, userId));
  }

  async function getAll(req: Request<{ userId: string }>, res: Response): Promise<void> {
    res.json(await fullProfile(req.params.userId));
  }

  async function getField(req: Request<ProfileParams>, res: Response): Promise<void> {
    const { userId, keyName } = req.params;
    checkKeyName(keyName);
    const profile = await fullProfile(userId);
    if (!Object.hasOwn(profile, keyName)) throw Errors.notFound('Profile field not set');
    res.json({ [keyName]: profile[keyName] });
  }

  /** The key a PUT/DELETE may change: one of one's own profile. */
  function ownKey(req: Request<ProfileParams>): string {
    const { userId, keyName } = req.params;
    if (requesterOf(req).userId !== userId) throw Errors.forbidden("Cannot change another user's profile");
    checkKeyName(keyName);
    return keyName;
  }

  /**
   * Writes one field (undefined: removes it) under the profile row's lock, refusing
   * a change that would take the profile over the size limit; then tells rooms of
   * a changed display name or avatar.
   */
  async function change(userId: string, keyName: string, value: unknown): Promise<void> {
    await ctx.db.transaction(async (tx) => {
      if (!(await lockProfile(tx, userId))) throw Errors.notFound('Profile not found');
      const profile = (await getProfile(tx, userId))!;
      const next = profileJson(profile, await getOtherProfileFields(tx, userId));
      if (value === undefined || (value === null && isClassic(keyName))) delete next[keyName];
      else next[keyName] = value;
      if (value !== undefined && Buffer.byteLength(JSON.stringify(next), 'utf8') >= MAX_PROFILE_BYTES) {
        throw new MatrixError(400, 'M_PROFILE_TOO_LARGE', 'The profile would exceed 64 KiB');
      }
      if (isClassic(keyName)) await setProfileField(tx, userId, keyName, (value ?? null) as string | null);
      else if (value === undefined) await deleteOtherProfileField(tx, userId, keyName);
      else await setOtherProfileField(tx, userId, keyName, value);
    });
    if (isClassic(keyName)) {
      const profile = (await getProfile(ctx.db, userId))!;
      await propagateProfile(ctx, userId, profile);
    }
  }

  async function setField(req: Request<ProfileParams>, res: Response): Promise<void> {
    const keyName = ownKey(req);
    const body = objectBody(req);
    if (!Object.hasOwn(body, keyName)) throw Errors.missingParam(keyName);
    let value = body[keyName];
    if (isClassic(keyName)) value = classicValue(keyName, value);
    else if (keyName === 'm.tz' && typeof value !== 'string') throw Errors.invalidParam("'m.tz' must be a string");
    await change(req.params.userId, keyName, value);
    res.json({});
  }

  async function deleteField(req: Request<ProfileParams>, res: Response): Promise<void> {
    await change(req.params.userId, ownKey(req), undefined);
    res.json({});
  }

  router.route('/profile/:userId').get(getAll).all(methodNotAllowed);
  router.route('/profile/:userId/:keyName').get(getField).put(auth, setField).delete(auth, deleteField).all(methodNotAllowed);
  return router;
}
