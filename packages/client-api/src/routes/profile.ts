/**
 * Profiles (spec "Profiles", profile.yaml): GET the whole profile or one field,
 * PUT/DELETE one field of one's own profile. The fields stored are displayname
 * and avatar_url; the m.profile_fields capability tells clients so.
 */
import { Errors, MatrixError } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../context.js';
import { requesterOf, requireAuth } from '../http/auth.js';
import { objectBody } from '../http/body.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { getProfile, setProfileField, type Profile, type ProfileField } from '../stores/profiles.js';
import { propagateProfile } from './rooms/profile-propagation.js';

export const EDITABLE_PROFILE_FIELDS: readonly ProfileField[] = ['displayname', 'avatar_url'];

const KEY_NAME = /^(avatar_url|displayname|m\.tz|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/;
const MAX_KEY_BYTES = 255;
const MAX_DISPLAYNAME_LENGTH = 256;
const MAX_AVATAR_URL_LENGTH = 1000;
const MXC_URI = /^mxc:\/\/[^/]+\/[^/]+$/;

type ProfileParams = { userId: string; keyName: string };

function profileJson(profile: Profile): Record<string, string> {
  const json: Record<string, string> = {};
  if (profile.displayname !== null) json.displayname = profile.displayname;
  if (profile.avatar_url !== null) json.avatar_url = profile.avatar_url;
  return json;
}

function checkKeyName(keyName: string): void {
  if (Buffer.byteLength(keyName, 'utf8') > MAX_KEY_BYTES) throw new MatrixError(400, 'M_KEY_TOO_LARGE', 'Profile key is too long');
  if (!KEY_NAME.test(keyName)) throw Errors.invalidParam('Invalid profile key');
}

function isEditable(keyName: string): keyName is ProfileField {
  return (EDITABLE_PROFILE_FIELDS as readonly string[]).includes(keyName);
}

/** The new value of a field from a PUT body; '' clears the field, as clients use it. */
function fieldValue(field: ProfileField, body: Record<string, unknown>): string | null {
  if (!(field in body)) throw Errors.missingParam(field);
  const value = body[field];
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

  async function profileOf(userId: string): Promise<Profile> {
    const profile = await getProfile(ctx.db, userId);
    if (!profile) throw Errors.notFound('Profile not found');
    return profile;
  }

  async function getAll(req: Request<{ userId: string }>, res: Response): Promise<void> {
    res.json(profileJson(await profileOf(req.params.userId)));
  }

  async function getField(req: Request<ProfileParams>, res: Response): Promise<void> {
    const { userId, keyName } = req.params;
    checkKeyName(keyName);
    const value = profileJson(await profileOf(userId))[keyName];
    if (value === undefined) throw Errors.notFound('Profile field not set');
    res.json({ [keyName]: value });
  }

  /** The field a PUT/DELETE may change: one's own, and one we store. */
  function editableField(req: Request<ProfileParams>): ProfileField {
    const { userId, keyName } = req.params;
    if (requesterOf(req).userId !== userId) throw Errors.forbidden("Cannot change another user's profile");
    checkKeyName(keyName);
    if (!isEditable(keyName)) throw Errors.forbidden(`Profile field '${keyName}' cannot be changed on this server`);
    return keyName;
  }

  async function setField(req: Request<ProfileParams>, res: Response): Promise<void> {
    const field = editableField(req);
    const value = fieldValue(field, objectBody(req));
    if (!(await setProfileField(ctx.db, req.params.userId, field, value))) throw Errors.notFound('Profile not found');
    await propagateProfile(ctx, req.params.userId, await profileOf(req.params.userId));
    res.json({});
  }

  async function deleteField(req: Request<ProfileParams>, res: Response): Promise<void> {
    const field = editableField(req);
    if (!(await setProfileField(ctx.db, req.params.userId, field, null))) throw Errors.notFound('Profile not found');
    await propagateProfile(ctx, req.params.userId, await profileOf(req.params.userId));
    res.json({});
  }

  router.route('/profile/:userId').get(getAll).all(methodNotAllowed);
  router.route('/profile/:userId/:keyName').get(getField).put(auth, setField).delete(auth, deleteField).all(methodNotAllowed);
  return router;
}
