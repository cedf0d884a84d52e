-- Accounts: users, profiles, devices, access/refresh tokens, user-interactive
-- auth sessions and shared-secret registration nonces. Everything a replica
-- needs to serve a user's request lives here, so any replica can serve it.

CREATE TABLE users (
  user_id        TEXT PRIMARY KEY,
  -- Self-describing scrypt hash ($scrypt$…); NULL for accounts without a password.
  password_hash  TEXT,
  creation_ts    BIGINT NOT NULL,
  admin          BOOLEAN NOT NULL DEFAULT FALSE,
  is_guest       BOOLEAN NOT NULL DEFAULT FALSE,
  deactivated    BOOLEAN NOT NULL DEFAULT FALSE,
  -- Set by /account/deactivate with erase: true; honoured by later erasure work.
  erased         BOOLEAN NOT NULL DEFAULT FALSE,
  -- Synapse's user_type ('bot', 'support'); NULL for regular users.
  user_type      TEXT,
  -- The application service that registered this user, if any.
  appservice_id  TEXT
);

CREATE TABLE profiles (
  user_id      TEXT PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
  displayname  TEXT,
  avatar_url   TEXT
);

CREATE TABLE devices (
  user_id               TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  device_id             TEXT NOT NULL,
  display_name          TEXT,
  created_ts            BIGINT NOT NULL,
  last_seen_ts          BIGINT,
  last_seen_ip          TEXT,
  last_seen_user_agent  TEXT,
  PRIMARY KEY (user_id, device_id)
);

-- Tokens are stored as sha256 digests (base64url) of the random token: a leaked
-- table cannot be replayed. Deleting a device deletes its tokens.
CREATE TABLE refresh_tokens (
  id             BIGSERIAL PRIMARY KEY,
  token_hash     TEXT NOT NULL UNIQUE,
  user_id        TEXT NOT NULL,
  device_id      TEXT NOT NULL,
  created_ts     BIGINT NOT NULL,
  expires_ts     BIGINT,
  -- The token this one was exchanged for by /refresh; this one is revoked once
  -- the next token (or its access token) is first used.
  next_token_id  BIGINT REFERENCES refresh_tokens (id) ON DELETE SET NULL,
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_next_token_id ON refresh_tokens (next_token_id);
CREATE INDEX refresh_tokens_device ON refresh_tokens (user_id, device_id);

CREATE TABLE access_tokens (
  id                BIGSERIAL PRIMARY KEY,
  token_hash        TEXT NOT NULL UNIQUE,
  user_id           TEXT NOT NULL,
  device_id         TEXT NOT NULL,
  created_ts        BIGINT NOT NULL,
  expires_ts        BIGINT,
  -- The refresh token issued alongside this access token (NULL: not refreshable).
  refresh_token_id  BIGINT REFERENCES refresh_tokens (id) ON DELETE CASCADE,
  -- FALSE until first use; the first use of a refreshed token revokes its predecessor.
  used              BOOLEAN NOT NULL DEFAULT FALSE,
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
);
CREATE INDEX access_tokens_device ON access_tokens (user_id, device_id);
CREATE INDEX access_tokens_refresh_token_id ON access_tokens (refresh_token_id);

-- User-interactive auth sessions, bound to the request (method, path, user)
-- that started them.
CREATE TABLE uia_sessions (
  session_id  TEXT PRIMARY KEY,
  method      TEXT NOT NULL,
  path        TEXT NOT NULL,
  user_id     TEXT,
  completed   TEXT[] NOT NULL DEFAULT '{}',
  created_ts  BIGINT NOT NULL
);
CREATE INDEX uia_sessions_created_ts ON uia_sessions (created_ts);

-- Single-use nonces of the Synapse-compatible shared-secret registration API.
CREATE TABLE registration_nonces (
  nonce       TEXT PRIMARY KEY,
  created_ts  BIGINT NOT NULL
);
CREATE INDEX registration_nonces_created_ts ON registration_nonces (created_ts);
