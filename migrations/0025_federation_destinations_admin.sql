-- Federation destinations for operators (admin API, Synapse's shapes): a
-- destination's row now stays after a success (backoff fields back to 0), so
-- the list shows every server this one has sent to, with the newest event it
-- acknowledged, overall and per room shared with it.
ALTER TABLE federation_destinations ADD COLUMN last_successful_stream_ordering BIGINT;

CREATE TABLE federation_destination_rooms (
  destination      TEXT NOT NULL,
  room_id          TEXT NOT NULL,
  stream_ordering  BIGINT NOT NULL,
  PRIMARY KEY (destination, room_id)
);

-- PUT /_synapse/admin/v1/send_server_notice/{txnId}: a retried transaction id
-- of the same admin device answers the notice it already sent.
CREATE TABLE server_notice_txns (
  user_id     TEXT NOT NULL,
  device_id   TEXT NOT NULL,
  txn_id      TEXT NOT NULL,
  event_id    TEXT NOT NULL,
  created_ts  BIGINT NOT NULL,
  PRIMARY KEY (user_id, device_id, txn_id)
);
