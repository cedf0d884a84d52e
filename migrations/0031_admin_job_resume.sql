-- Interrupted admin jobs resume (packages/admin/src/purge/admin-job-runner.ts): each job keeps what it
-- was asked to do, so whichever process claims it after its heartbeat went stale can run it again.
-- NULL for jobs recorded before this migration: those cannot resume and are marked failed.

-- History purges: {"before": {"topological", "stream"}, "delete_local_events"}.
ALTER TABLE purge_history_jobs ADD COLUMN params JSONB;

-- Room deletions: the RoomDeletion asked for (block, purge, force_purge, new room user, name, message...).
ALTER TABLE room_delete_jobs ADD COLUMN params JSONB;
