-- Application services (issue 9): how far each appservice's transactions have
-- read each stream, and the transactions built but not yet acknowledged. A
-- transaction is written together with the positions it advanced to, so after
-- a crash it is retried with the same id and the same content, and nothing
-- persisted meanwhile is skipped.
CREATE TABLE appservice_stream_positions (
  appservice_id  TEXT NOT NULL,
  -- 'events', 'receipts', 'presence', 'to_device', 'device_lists'
  stream         TEXT NOT NULL,
  position       BIGINT NOT NULL,
  PRIMARY KEY (appservice_id, stream)
);

CREATE TABLE appservice_txns (
  appservice_id  TEXT NOT NULL,
  txn_id         BIGINT NOT NULL,
  -- The PUT /transactions/{txnId} body exactly as first sent.
  body_json      TEXT NOT NULL,
  created_ts     BIGINT NOT NULL,
  PRIMARY KEY (appservice_id, txn_id)
);

-- The last transaction id each appservice was given (ids never repeat, even
-- after acknowledged transactions are deleted).
CREATE TABLE appservice_txn_ids (
  appservice_id  TEXT PRIMARY KEY,
  last_txn_id    BIGINT NOT NULL
);
