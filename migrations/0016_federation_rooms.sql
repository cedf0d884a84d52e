-- Federation, rooms side (issue 5): inbound transactions staged durably before
-- they are answered, and the per-destination outbox of the sender.

-- Every transaction answered, per origin: a repeated PUT /send/{txnId} gets the
-- same answer and processes nothing again.
CREATE TABLE federation_inbound_txns (
  origin         TEXT NOT NULL,
  txn_id         TEXT NOT NULL,
  -- The 200 body sent back ({"pdus": {...}}); NULL while the transaction is being processed.
  response_json  TEXT,
  received_ts    BIGINT NOT NULL,
  PRIMARY KEY (origin, txn_id)
);

-- PDUs received and checked (format, signatures, hashes) but not yet through the
-- auth checks and persisted: written before the 200, deleted once handled, and
-- picked up again at start-up after a crash. Processed per room in id order.
CREATE TABLE federation_staged_pdus (
  id           BIGSERIAL PRIMARY KEY,
  origin       TEXT NOT NULL,
  txn_id       TEXT NOT NULL,
  room_id      TEXT NOT NULL,
  event_id     TEXT NOT NULL,
  -- The event as checked (redacted when its content hash did not match), wire format.
  pdu_json     TEXT NOT NULL,
  received_ts  BIGINT NOT NULL
);

CREATE INDEX federation_staged_pdus_room ON federation_staged_pdus (room_id, id);

-- Outbound: what each destination still has to receive, in order. Rows are
-- deleted once the destination acknowledged the transaction carrying them.
CREATE TABLE federation_outbox (
  id           BIGSERIAL PRIMARY KEY,
  destination  TEXT NOT NULL,
  -- 'pdu' (payload: the wire PDU) or 'edu' (payload: {edu_type, content}).
  kind         TEXT NOT NULL CHECK (kind IN ('pdu', 'edu')),
  payload_json TEXT NOT NULL,
  queued_ts    BIGINT NOT NULL
);

CREATE INDEX federation_outbox_destination ON federation_outbox (destination, id);

-- Retry state per destination: exponential backoff after failures, cleared on success.
CREATE TABLE federation_destinations (
  destination        TEXT PRIMARY KEY,
  retry_after_ts     BIGINT NOT NULL DEFAULT 0,
  retry_interval_ms  BIGINT NOT NULL DEFAULT 0,
  failing_since_ts   BIGINT
);

-- How far each sender has turned local events into outbox rows (events stream
-- position): after a restart it resumes from here, so no event is skipped.
CREATE TABLE federation_sender_position (
  instance_name    TEXT PRIMARY KEY,
  stream_ordering  BIGINT NOT NULL
);
