/** GET /capabilities (spec "Capabilities negotiation"). */
import { ROOM_VERSIONS } from '@lattice/core';
import { Router } from 'express';
import type { ClientApiContext } from '../context.js';
import { requireAuth } from '../http/auth.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { EDITABLE_PROFILE_FIELDS } from './profile.js';

export function capabilities(config: ClientApiContext['config']): Record<string, unknown> {
  const available: Record<string, 'stable' | 'unstable'> = {};
  for (const [id, version] of ROOM_VERSIONS) available[id] = version.stable ? 'stable' : 'unstable';
  return {
    'm.change_password': { enabled: config.password_config.enabled },
    'm.room_versions': { default: config.default_room_version, available },
    // Only the two classic fields are stored, so clients learn not to offer others.
    'm.profile_fields': { enabled: true, allowed: [...EDITABLE_PROFILE_FIELDS] },
    'm.set_displayname': { enabled: true },
    'm.set_avatar_url': { enabled: true },
    'm.3pid_changes': { enabled: false },
    'm.get_login_token': { enabled: false },
  };
}

export function capabilitiesRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const body = { capabilities: capabilities(ctx.config) };
  router
    .route('/capabilities')
    .get(requireAuth(ctx), (_req, res) => {
      res.json(body);
    })
    .all(methodNotAllowed);
  return router;
}
