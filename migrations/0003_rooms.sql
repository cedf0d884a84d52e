-- Rooms, messages and sync on one server (issue 3): idempotent sends, the
-- relations index, and what the persister records about replaced state.

-- (user, device, txn_id) → the event a client transaction produced: a retried
-- PUT /send/{type}/{txnId} returns the same event and writes nothing.
CREATE TABLE event_txn_ids (
  user_id      TEXT NOT NULL,
  device_id    TEXT NOT NULL,
  txn_id       TEXT NOT NULL,
  event_id     TEXT NOT NULL,
  room_id      TEXT NOT NULL,
  inserted_ts  BIGINT NOT NULL,
  PRIMARY KEY (user_id, device_id, txn_id)
);

-- unsigned.transaction_id when reading the event back.
CREATE INDEX event_txn_ids_event ON event_txn_ids (event_id);

-- content['m.relates_to'] of every event that has one (m.annotation, m.replace,
-- m.reference, m.thread, …): /relations, threads and bundled aggregations are
-- index range scans.
CREATE TABLE event_relations (
  event_id         TEXT PRIMARY KEY,
  relates_to_id    TEXT NOT NULL,
  rel_type         TEXT NOT NULL,
  -- m.annotation key (e.g. the reaction emoji); NULL otherwise.
  aggregation_key  TEXT
);

CREATE INDEX event_relations_target ON event_relations (relates_to_id, rel_type);

-- For a state event: the state event it replaced in the room's state when it
-- was persisted (unsigned.replaces_state / prev_content); NULL otherwise.
ALTER TABLE events ADD COLUMN replaces_state TEXT;

-- Incremental sync: a user's membership changes after a stream position.
CREATE INDEX room_memberships_user_stream ON room_memberships (user_id, stream_ordering);
