-- URL previews (GET /_matrix/client/v1/media/preview_url): the OpenGraph answer
-- for a URL as fetched at fetched_ts, served again until expires_ts so repeated
-- requests (every client in a room sees the same link) do not refetch the page.
CREATE TABLE url_previews (
  url         TEXT NOT NULL,
  fetched_ts  BIGINT NOT NULL,
  expires_ts  BIGINT NOT NULL,
  -- The JSON response body exactly as served.
  response    TEXT NOT NULL,
  PRIMARY KEY (url, fetched_ts)
);

-- Sweeping expired previews.
CREATE INDEX url_previews_expires ON url_previews (expires_ts);
