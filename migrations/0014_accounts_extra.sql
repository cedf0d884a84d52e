-- Accounts, part two (issue 8): guest ids, login tokens, UIA fallback,
-- custom profile fields and the server notices rooms.

-- Guest accounts get numeric localparts, as Synapse gives them; ordinary
-- registration refuses numeric usernames, so the two never collide.
CREATE SEQUENCE guest_user_id_seq;

-- Single-use m.login.token tokens (POST /login/get_token), stored as sha256
-- digests like access tokens. A login deletes its row.
CREATE TABLE login_tokens (
  token_hash  TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  created_ts  BIGINT NOT NULL,
  expires_ts  BIGINT NOT NULL
);
CREATE INDEX login_tokens_expires_ts ON login_tokens (expires_ts);

-- The flows a UIA session offered, so that the fallback page
-- (/auth/{type}/fallback/web) can tell whether a stage belongs to the session.
ALTER TABLE uia_sessions ADD COLUMN flows JSONB;

-- Profile fields other than displayname and avatar_url (m.tz and custom keys,
-- spec v1.16); any JSON value.
CREATE TABLE profile_fields (
  user_id     TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  field_name  TEXT NOT NULL,
  value       JSONB NOT NULL,
  PRIMARY KEY (user_id, field_name)
);

-- The one server notices room of each user ("Servers should manage exactly 1
-- server notices room per user").
CREATE TABLE server_notice_rooms (
  user_id     TEXT PRIMARY KEY,
  room_id     TEXT NOT NULL,
  created_ts  BIGINT NOT NULL
);
CREATE INDEX server_notice_rooms_room ON server_notice_rooms (room_id);
