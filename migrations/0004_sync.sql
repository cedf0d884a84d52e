-- /sync and its companions (issue 3): filters, account data, receipts and the
-- per-user notification records behind unread counts.

-- Filters a client uploaded (POST /user/{userId}/filter), kept as sent: GET
-- returns the client's own JSON. Ids come from one sequence: never reused.
CREATE SEQUENCE user_filter_id_seq;

CREATE TABLE user_filters (
  user_id      TEXT NOT NULL,
  filter_id    BIGINT NOT NULL,
  filter_json  TEXT NOT NULL,
  PRIMARY KEY (user_id, filter_id)
);

-- Account data, global (room_id = '') and per room; one row per (user, room,
-- type) holding the latest content. stream_id is the account_data stream
-- position of the last write: an incremental /sync reads rows above its token.
CREATE TABLE account_data (
  user_id     TEXT NOT NULL,
  room_id     TEXT NOT NULL DEFAULT '',
  type        TEXT NOT NULL,
  content     TEXT NOT NULL,
  stream_id   BIGINT NOT NULL,
  PRIMARY KEY (user_id, room_id, type)
);

CREATE INDEX account_data_user_stream ON account_data (user_id, stream_id);

-- Receipts: the latest event per (room, type, user, thread). thread_id is ''
-- for unthreaded receipts, 'main' or a thread root for threaded ones.
-- event_stream_ordering locates the receipt in the room's timeline (unread counts).
CREATE TABLE receipts (
  room_id                TEXT NOT NULL,
  receipt_type           TEXT NOT NULL,
  user_id                TEXT NOT NULL,
  thread_id              TEXT NOT NULL DEFAULT '',
  event_id               TEXT NOT NULL,
  event_stream_ordering  BIGINT NOT NULL,
  ts                     BIGINT NOT NULL,
  stream_id              BIGINT NOT NULL,
  PRIMARY KEY (room_id, receipt_type, user_id, thread_id)
);

CREATE INDEX receipts_room_stream ON receipts (room_id, stream_id);
CREATE INDEX receipts_user ON receipts (user_id, room_id);

-- Events that notify a local user (push rules said `notify`), recorded once per
-- (user, event) so unread counts are an index count after the read receipt.
-- thread_id: the thread root for events in a thread, 'main' otherwise.
CREATE TABLE event_push_actions (
  user_id          TEXT NOT NULL,
  room_id          TEXT NOT NULL,
  stream_ordering  BIGINT NOT NULL,
  event_id         TEXT NOT NULL,
  thread_id        TEXT NOT NULL,
  highlight        BOOLEAN NOT NULL,
  PRIMARY KEY (user_id, room_id, stream_ordering)
);

-- How far event_push_actions has been computed per (user, room): every event of
-- the room at or below up_to has been evaluated for the user.
CREATE TABLE event_push_summary_position (
  user_id  TEXT NOT NULL,
  room_id  TEXT NOT NULL,
  up_to    BIGINT NOT NULL,
  PRIMARY KEY (user_id, room_id)
);
