-- Media repository (issue 7): media uploaded to this server and the thumbnails
-- generated for it. Bytes live on disk under media_store_path; a row here means
-- the file is complete (or, for an async upload, that the mxc:// URI is reserved).

CREATE TABLE local_media (
  media_id           TEXT PRIMARY KEY,
  -- The uploader (for /create: the only user allowed to PUT the content).
  user_id            TEXT NOT NULL,
  created_ts         BIGINT NOT NULL,
  -- /create reservations expire unused at this time; NULL for direct uploads.
  unused_expires_ts  BIGINT,
  -- NULL until the content is on disk.
  upload_ts          BIGINT,
  content_type       TEXT,
  upload_name        TEXT,
  media_length       BIGINT
);

-- Pending reservations per user (the spec's limit on concurrent pending uploads).
CREATE INDEX local_media_pending ON local_media (user_id) WHERE upload_ts IS NULL;

CREATE TABLE local_media_thumbnails (
  media_id      TEXT NOT NULL REFERENCES local_media (media_id) ON DELETE CASCADE,
  -- The normalised request (target box, method, animation) the file answers.
  width         INT NOT NULL,
  height        INT NOT NULL,
  method        TEXT NOT NULL,
  animated      BOOLEAN NOT NULL,
  content_type  TEXT NOT NULL,
  media_length  BIGINT NOT NULL,
  PRIMARY KEY (media_id, width, height, method, animated)
);
