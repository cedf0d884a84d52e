-- Rows of the `caches` stream (ARCHITECTURE.md §4): what a writer told every
-- worker to drop, kept so that a worker that missed the announcement (Redis
-- delivery is a hint) reads it back and still drops the entries. Old rows are
-- only needed until every worker has passed them; they are small.
CREATE TABLE cache_invalidations (
  stream_id     BIGINT PRIMARY KEY,
  instance_name TEXT NOT NULL,
  cache_name    TEXT NOT NULL,
  -- NULL: the whole cache.
  keys          JSONB,
  ts            BIGINT NOT NULL
);
CREATE INDEX cache_invalidations_instance ON cache_invalidations (instance_name, stream_id);
