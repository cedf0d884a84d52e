-- Admin API for users (issue 9): shadow-bans, locked accounts and
-- registration tokens (spec "Token-authenticated registration", managed with
-- Synapse's /_synapse/admin/v1/registration_tokens).

-- A shadow-banned user's sends, invites and room creations answer as if they
-- worked but reach nobody; a locked user can neither log in nor use a token.
ALTER TABLE users ADD COLUMN shadow_banned BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN locked BOOLEAN NOT NULL DEFAULT FALSE;

-- The admin user list pages by name (the primary key) or by creation time.
CREATE INDEX users_creation_ts ON users (creation_ts);

CREATE TABLE registration_tokens (
  token         TEXT PRIMARY KEY,
  -- NULL: unlimited.
  uses_allowed  INT,
  -- Registrations this token completed.
  completed     INT NOT NULL DEFAULT 0,
  -- NULL: never expires (ms since the epoch).
  expiry_time   BIGINT
);

-- The token a registration's UIA session passed its stage with. Live sessions
-- holding a token are its pending uses, counted rather than stored, so an
-- abandoned session stops counting when it expires.
ALTER TABLE uia_sessions ADD COLUMN registration_token TEXT;
CREATE INDEX uia_sessions_registration_token ON uia_sessions (registration_token) WHERE registration_token IS NOT NULL;
