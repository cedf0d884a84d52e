-- Push (issue 8): users' push rules, notifications evaluated when events are
-- persisted, and pushers.

-- User-defined push rules. Within a (user, kind) a higher priority is checked
-- first; server-default rules are not stored (they come from the code), only
-- the user's changes to them (push_rule_default_changes).
CREATE TABLE push_rules (
  user_id     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  rule_id     TEXT NOT NULL,
  priority    BIGINT NOT NULL,
  -- JSON: {conditions} for override/underride, {pattern} for content rules, {} otherwise.
  body        TEXT NOT NULL,
  actions     TEXT NOT NULL,
  enabled     BOOLEAN NOT NULL DEFAULT TRUE,
  PRIMARY KEY (user_id, kind, rule_id)
);

-- `PUT …/enabled` and `PUT …/actions` on a server-default rule (NULL: unchanged).
CREATE TABLE push_rule_default_changes (
  user_id     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  rule_id     TEXT NOT NULL,
  enabled     BOOLEAN,
  actions     TEXT,
  PRIMARY KEY (user_id, kind, rule_id)
);

-- The push_rules stream position of each user's latest change: /sync sends
-- m.push_rules account data when it lies after the client's token.
CREATE TABLE push_rules_stream (
  user_id    TEXT PRIMARY KEY,
  stream_id  BIGINT NOT NULL
);
CREATE INDEX push_rules_stream_id ON push_rules_stream (stream_id);

-- Notifications are now evaluated once per event for every local member when the
-- event is persisted (packages/push), replacing the per-user rows computed at sync time.
DROP TABLE event_push_actions;
DROP TABLE event_push_summary_position;

-- One row per event that notified at least one local member. The columns notify,
-- highlight and actions are the outcome shared by most members (in a large room
-- nearly all of them get the same); members whose outcome differs have a row in
-- event_push_exceptions. Members are those joined when the event was evaluated;
-- readers count only from each user's join onwards, and never the sender's own events.
CREATE TABLE event_push_outcomes (
  room_id          TEXT NOT NULL,
  stream_ordering  BIGINT NOT NULL,
  event_id         TEXT NOT NULL,
  sender           TEXT NOT NULL,
  -- The thread root for events in a thread, 'main' otherwise.
  thread_id        TEXT NOT NULL,
  notify           BOOLEAN NOT NULL,
  highlight        BOOLEAN NOT NULL,
  actions          TEXT NOT NULL,
  ts               BIGINT NOT NULL,
  PRIMARY KEY (room_id, stream_ordering)
);

CREATE TABLE event_push_exceptions (
  user_id          TEXT NOT NULL,
  room_id          TEXT NOT NULL,
  stream_ordering  BIGINT NOT NULL,
  notify           BOOLEAN NOT NULL,
  highlight        BOOLEAN NOT NULL,
  actions          TEXT NOT NULL,
  PRIMARY KEY (user_id, room_id, stream_ordering)
);

-- Pushers (pusher.yaml). A pusher belongs to the device that created it and is
-- deleted with it (logout, device deletion).
CREATE TABLE pushers (
  user_id              TEXT NOT NULL,
  device_id            TEXT NOT NULL,
  app_id               TEXT NOT NULL,
  pushkey              TEXT NOT NULL,
  kind                 TEXT NOT NULL,
  app_display_name     TEXT NOT NULL,
  device_display_name  TEXT NOT NULL,
  profile_tag          TEXT,
  lang                 TEXT NOT NULL,
  data                 TEXT NOT NULL,
  pushkey_ts           BIGINT NOT NULL,
  PRIMARY KEY (app_id, pushkey, user_id),
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
);
CREATE INDEX pushers_user ON pushers (user_id);
