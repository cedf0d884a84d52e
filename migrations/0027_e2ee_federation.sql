-- End-to-end encryption across federation (issue 6, federated half).

-- What a device_lists row is about, so the federation sender can tell other
-- servers: the devices whose keys, signatures or existence changed, and
-- whether the user's master/self-signing keys did.
ALTER TABLE device_list_changes ADD COLUMN device_ids TEXT[];
ALTER TABLE device_list_changes ADD COLUMN cross_signing BOOLEAN NOT NULL DEFAULT FALSE;

-- The last m.device_list_update stream_id sent per local user (the next one's
-- prev_id); /user/devices answers it as the list's stream_id.
CREATE TABLE device_list_outbound_ids (
  user_id    TEXT PRIMARY KEY,
  stream_id  BIGINT NOT NULL
);

-- Device lists of remote users we share a room with, kept up to date by
-- their server's m.device_list_update EDUs. stream_id is the last update
-- applied; stale: an update was missed and the list must be fetched again.
CREATE TABLE remote_device_lists (
  user_id           TEXT PRIMARY KEY,
  stream_id         BIGINT NOT NULL,
  stale             BOOLEAN NOT NULL DEFAULT FALSE,
  master_key        TEXT,
  self_signing_key  TEXT
);

CREATE TABLE remote_device_keys (
  user_id       TEXT NOT NULL REFERENCES remote_device_lists (user_id) ON DELETE CASCADE,
  device_id     TEXT NOT NULL,
  display_name  TEXT,
  key_json      TEXT,
  PRIMARY KEY (user_id, device_id)
);

-- m.direct_to_device message ids already delivered, per origin (idempotence).
CREATE TABLE federation_to_device_received (
  origin      TEXT NOT NULL,
  message_id  TEXT NOT NULL,
  ts          BIGINT NOT NULL,
  PRIMARY KEY (origin, message_id)
);

CREATE INDEX federation_to_device_received_ts ON federation_to_device_received (ts);
