/** GET /capabilities (spec "Capabilities negotiation"). */
import { ROOM_VERSIONS } from '@lattice/core';
import { Router } from 'express';
import type { ClientApiContext } from '../context.js';
import { requesterOf, requireAuth } from '../http/auth.js';
import { methodNotAllowed } from '../http/unrecognized.js';

export function capabilities(config: ClientApiContext['config']): Record<string, unknown> {
  const available: Record<string, 'stable' | 'unstable'> = {};
  for (const [id, version] of ROOM_VERSIONS) available[id] = version.stable ? 'stable' : 'unstable';
  return {
    'm.change_password': { enabled: config.password_config.enabled },
    'm.room_versions': { default: config.default_room_version, available },
    // Every field may be changed (spec v1.16 custom profile fields); guests see GUEST_LIMITS.
    'm.profile_fields': { enabled: true },
    'm.set_displayname': { enabled: true },
    'm.set_avatar_url': { enabled: true },
    'm.3pid_changes': { enabled: false },
    'm.get_login_token': { enabled: config.login_via_existing_session.enabled },
  };
}

/** What guests may not do (spec "Guest Access": of their profile, only the display name). */
const GUEST_LIMITS = {
  'm.change_password': { enabled: false },
  'm.profile_fields': { enabled: true, allowed: ['displayname'] },
  'm.set_avatar_url': { enabled: false },
  'm.get_login_token': { enabled: false },
};

export function capabilitiesRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const body = { capabilities: capabilities(ctx.config) };
  const guestBody = { capabilities: { ...body.capabilities, ...GUEST_LIMITS } };
  router
    .route('/capabilities')
    .get(requireAuth(ctx), (req, res) => {
      res.json(requesterOf(req).isGuest ? guestBody : body);
    })
    .all(methodNotAllowed);
  return router;
}
