-- Per-user rate-limit overrides set through the admin API
-- (/_synapse/admin/v1/users/<user_id>/override_ratelimit, Synapse's shape):
-- messages_per_second 0 (with burst_count 0) lifts every per-user limit.
CREATE TABLE ratelimit_override (
  user_id              TEXT PRIMARY KEY,
  messages_per_second  BIGINT NOT NULL,
  burst_count          BIGINT NOT NULL
);

-- Admin media moderation: quarantined media is never served again (until
-- unquarantined); protected media is safe from quarantine and from the
-- admin's bulk deletion.
ALTER TABLE local_media ADD COLUMN quarantined_by TEXT;
ALTER TABLE local_media ADD COLUMN safe_from_quarantine BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE remote_media_cache ADD COLUMN quarantined_by TEXT;

-- Bulk deletion by date (POST /_synapse/admin/v1/media/delete?before_ts=…, purge_media_cache).
CREATE INDEX local_media_created ON local_media (created_ts);
CREATE INDEX remote_media_cache_created ON remote_media_cache (created_ts);
