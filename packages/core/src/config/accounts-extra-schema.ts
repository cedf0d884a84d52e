/**
 * Guest access, login tokens and server notices (issue 8), under Synapse's key
 * names: `allow_guest_access`, `login_via_existing_session` (enabled,
 * require_ui_auth, token_timeout) and `server_notices` (absent: no notices).
 */
import { bool, duration, obj, str, type Schema } from './schema.js';

export const ACCOUNTS_EXTRA_KEYS: Record<string, Schema> = {
  allow_guest_access: bool(false),
  login_via_existing_session: obj({
    enabled: bool(false),
    require_ui_auth: bool(true),
    token_timeout: duration({ default: '5m' }),
  }),
  server_notices: obj(
    {
      system_mxid_localpart: str({ required: true }),
      system_mxid_display_name: str(),
      system_mxid_avatar_url: str(),
      room_name: str({ default: 'Server Notices' }),
      room_avatar_url: str(),
      room_topic: str(),
      auto_join: bool(false),
    },
    { default: undefined },
  ),
};
