-- Remote servers' signing keys (server-server API "Retrieving server keys"), one
-- row per (server, key id): the public key, how long it may be used, and the
-- signed key response it came from, kept verbatim so this server can serve it
-- again as a notary (/_matrix/key/v2/query) with its own signature added.
CREATE TABLE federation_server_keys (
  server_name     TEXT NOT NULL,
  key_id          TEXT NOT NULL,
  -- Unpadded base64 Ed25519 public key.
  public_key      TEXT NOT NULL,
  -- valid_until_ts of the response that listed the key in verify_keys.
  valid_until_ts  BIGINT NOT NULL,
  -- Set when the key was listed in old_verify_keys: it verifies events up to this time only.
  expired_ts      BIGINT,
  fetched_ts      BIGINT NOT NULL,
  -- The server that answered: the key's owner or a notary.
  from_server     TEXT NOT NULL,
  -- The key response as the owning server signed it (notary signatures removed).
  response_json   TEXT NOT NULL,
  PRIMARY KEY (server_name, key_id)
);
