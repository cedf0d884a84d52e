-- Media fetched from other servers over federation (issue 7), cached on disk under
-- media_store_path/remote_content and remote_thumbnails. A row means the file is complete.
CREATE TABLE remote_media_cache (
  media_origin  TEXT NOT NULL,
  media_id      TEXT NOT NULL,
  content_type  TEXT NOT NULL,
  upload_name   TEXT,
  media_length  BIGINT NOT NULL,
  created_ts    BIGINT NOT NULL,
  PRIMARY KEY (media_origin, media_id)
);

CREATE TABLE remote_media_thumbnails (
  media_origin  TEXT NOT NULL,
  media_id      TEXT NOT NULL,
  width         INT NOT NULL,
  height        INT NOT NULL,
  method        TEXT NOT NULL,
  animated      BOOLEAN NOT NULL,
  content_type  TEXT NOT NULL,
  media_length  BIGINT NOT NULL,
  created_ts    BIGINT NOT NULL,
  PRIMARY KEY (media_origin, media_id, width, height, method, animated)
);
