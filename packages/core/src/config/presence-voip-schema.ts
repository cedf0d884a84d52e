/**
 * Presence and VoIP (issue 8), under Synapse's key names: `presence.enabled`,
 * `turn_uris`, `turn_shared_secret`, `turn_username` / `turn_password`,
 * `turn_user_lifetime`, `turn_allow_guests`.
 */
import { bool, duration, list, obj, str, type Schema } from './schema.js';

export const PRESENCE_VOIP_KEYS: Record<string, Schema> = {
  presence: obj({ enabled: bool(true) }),
  turn_uris: list(str({ format: 'turn_uri' }), { default: [] }),
  // Time-limited credentials (the TURN REST API of coturn's use-auth-secret); wins over a static username/password.
  turn_shared_secret: str(),
  turn_username: str(),
  turn_password: str(),
  turn_user_lifetime: duration({ default: '1h' }),
  turn_allow_guests: bool(true),
};
