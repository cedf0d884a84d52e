-- Admin API for rooms (issue 9): blocked rooms, and the background jobs of
-- room deletion and history purges, kept in the database so that any replica
-- answers the status of a job another replica runs.

-- Rooms no local user may join (PUT /_synapse/admin/v1/rooms/{roomId}/block,
-- or a room deletion with block=true). May name rooms this server never held.
CREATE TABLE blocked_rooms (
  room_id     TEXT PRIMARY KEY,
  -- The admin who blocked it.
  user_id     TEXT NOT NULL,
  blocked_ts  BIGINT NOT NULL
);

-- Jobs run in the process that took the request. heartbeat_ts is refreshed
-- while a job runs: a job whose process died stops refreshing it and then
-- counts as failed (it no longer blocks a new job for the room).

-- DELETE /_synapse/admin/v2/rooms/{roomId}: one row per request.
CREATE TABLE room_delete_jobs (
  delete_id     TEXT PRIMARY KEY,
  room_id       TEXT NOT NULL,
  -- 'shutting_down', 'purging', 'complete' or 'failed'.
  status        TEXT NOT NULL,
  -- The shutdown_room result: kicked_users, failed_to_kick_users, local_aliases, new_room_id.
  result        JSONB NOT NULL,
  error         TEXT,
  started_ts    BIGINT NOT NULL,
  heartbeat_ts  BIGINT NOT NULL,
  finished_ts   BIGINT
);

CREATE INDEX room_delete_jobs_room ON room_delete_jobs (room_id, started_ts);

-- POST /_synapse/admin/v1/purge_history and the retention purge jobs.
CREATE TABLE purge_history_jobs (
  purge_id      TEXT PRIMARY KEY,
  room_id       TEXT NOT NULL,
  -- 'active', 'complete' or 'failed'.
  status        TEXT NOT NULL,
  -- Events deleted (reported by background_updates/status).
  deleted       BIGINT NOT NULL DEFAULT 0,
  error         TEXT,
  started_ts    BIGINT NOT NULL,
  heartbeat_ts  BIGINT NOT NULL,
  finished_ts   BIGINT
);

CREATE INDEX purge_history_jobs_active ON purge_history_jobs (room_id) WHERE status = 'active';
