-- Presence, OpenID tokens (issue 8).

-- The latest presence of each user, one row per user: a change rewrites the row
-- at a new presence stream position, so an incremental /sync reads the rows
-- above its token and checks only those users against its co-members (fan-out
-- is paid at read time, per changed user, never per (user, observer) pair).
-- Only changes a client must see are written (state, status_msg,
-- currently_active, coarse last_active bumps); finer last_active times live in
-- the presence writer's memory.
CREATE TABLE presence (
  user_id            TEXT PRIMARY KEY,
  state              TEXT NOT NULL,
  status_msg         TEXT,
  last_active_ts     BIGINT NOT NULL,
  last_user_sync_ts  BIGINT NOT NULL,
  currently_active   BOOLEAN NOT NULL,
  stream_id          BIGINT NOT NULL
);

CREATE INDEX presence_stream ON presence (stream_id);
-- The writer's start-up load and the timeout sweep only look at users not offline.
CREATE INDEX presence_not_offline ON presence (user_id) WHERE state <> 'offline';

-- OpenID tokens (openid.yaml): only the sha256 of the token is stored, like access tokens.
CREATE TABLE openid_tokens (
  token_hash      TEXT PRIMARY KEY,
  user_id         TEXT NOT NULL,
  valid_until_ts  BIGINT NOT NULL
);

CREATE INDEX openid_tokens_valid_until ON openid_tokens (valid_until_ts);
