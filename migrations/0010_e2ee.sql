-- End-to-end encryption on one server (issue 6): device and one-time keys,
-- cross-signing keys and signatures, device list changes, to-device messages,
-- server-side key backups and dehydrated devices (MSC3814). Per-device rows go
-- with their device (ON DELETE CASCADE): deleting a device cleans them up.

-- A device's identity keys as uploaded (signed by the device), kept verbatim.
CREATE TABLE e2e_device_keys (
  user_id    TEXT NOT NULL,
  device_id  TEXT NOT NULL,
  key_json   TEXT NOT NULL,
  ts         BIGINT NOT NULL,
  PRIMARY KEY (user_id, device_id),
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
);

-- Unclaimed one-time keys; /keys/claim deletes the row it hands out.
CREATE TABLE e2e_one_time_keys (
  user_id    TEXT NOT NULL,
  device_id  TEXT NOT NULL,
  algorithm  TEXT NOT NULL,
  key_id     TEXT NOT NULL,
  key_json   TEXT NOT NULL,
  ts         BIGINT NOT NULL,
  PRIMARY KEY (user_id, device_id, algorithm, key_id),
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
);

-- One fallback key per (device, algorithm); `used` once handed out by /keys/claim.
CREATE TABLE e2e_fallback_keys (
  user_id    TEXT NOT NULL,
  device_id  TEXT NOT NULL,
  algorithm  TEXT NOT NULL,
  key_id     TEXT NOT NULL,
  key_json   TEXT NOT NULL,
  used       BOOLEAN NOT NULL DEFAULT FALSE,
  PRIMARY KEY (user_id, device_id, algorithm),
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
);

-- A user's cross-signing keys (key_type: master, self_signing, user_signing).
CREATE TABLE e2e_cross_signing_keys (
  user_id     TEXT NOT NULL,
  key_type    TEXT NOT NULL,
  public_key  TEXT NOT NULL,
  key_json    TEXT NOT NULL,
  ts          BIGINT NOT NULL,
  PRIMARY KEY (user_id, key_type)
);

-- Signatures uploaded through /keys/signatures/upload, merged into the signed
-- object when it is served. target_key is a device id or a cross-signing public key.
CREATE TABLE e2e_cross_signing_signatures (
  signer_user_id  TEXT NOT NULL,
  signer_key_id   TEXT NOT NULL,
  target_user_id  TEXT NOT NULL,
  target_key      TEXT NOT NULL,
  signature       TEXT NOT NULL,
  PRIMARY KEY (target_user_id, target_key, signer_user_id, signer_key_id)
);

-- The device_lists stream: user_id's devices or keys changed at stream_id.
-- observer, when set, is the only user who is told (a user-signing signature
-- concerns its signer alone); otherwise everyone sharing a room with user_id.
CREATE TABLE device_list_changes (
  stream_id  BIGINT PRIMARY KEY,
  user_id    TEXT NOT NULL,
  observer   TEXT
);

CREATE INDEX device_list_changes_user ON device_list_changes (user_id, stream_id);
CREATE INDEX device_list_changes_observer ON device_list_changes (observer, stream_id) WHERE observer IS NOT NULL;

-- To-device messages waiting for their device, in to_device stream order.
-- A row goes once a later sync token acknowledges it.
CREATE TABLE device_inbox (
  user_id       TEXT NOT NULL,
  device_id     TEXT NOT NULL,
  stream_id     BIGINT NOT NULL,
  message_json  TEXT NOT NULL,
  PRIMARY KEY (user_id, device_id, stream_id),
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
);

-- PUT /sendToDevice transaction ids already handled, per sending device.
CREATE TABLE to_device_txns (
  user_id    TEXT NOT NULL,
  device_id  TEXT NOT NULL,
  txn_id     TEXT NOT NULL,
  ts         BIGINT NOT NULL,
  PRIMARY KEY (user_id, device_id, txn_id),
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
);

-- Server-side key backup versions; the current one is the highest not deleted.
-- etag changes with every change of the version's keys.
CREATE SEQUENCE e2e_room_keys_version_seq;

CREATE TABLE e2e_room_keys_versions (
  user_id    TEXT NOT NULL,
  version    BIGINT NOT NULL,
  algorithm  TEXT NOT NULL,
  auth_data  TEXT NOT NULL,
  etag       BIGINT NOT NULL DEFAULT 0,
  deleted    BOOLEAN NOT NULL DEFAULT FALSE,
  PRIMARY KEY (user_id, version)
);

CREATE TABLE e2e_room_keys (
  user_id              TEXT NOT NULL,
  version              BIGINT NOT NULL,
  room_id              TEXT NOT NULL,
  session_id           TEXT NOT NULL,
  first_message_index  BIGINT NOT NULL,
  forwarded_count      BIGINT NOT NULL,
  is_verified          BOOLEAN NOT NULL,
  session_data         TEXT NOT NULL,
  PRIMARY KEY (user_id, version, room_id, session_id)
);

-- MSC3814: the user's dehydrated device (one at most), its pickled data as sent.
CREATE TABLE dehydrated_devices (
  user_id      TEXT PRIMARY KEY,
  device_id    TEXT NOT NULL,
  device_data  TEXT NOT NULL,
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
);
