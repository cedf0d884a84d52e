-- Per-user upload quotas (media_upload_limits) sum what a user uploaded within a period.
CREATE INDEX local_media_user_uploads ON local_media (user_id, upload_ts) WHERE upload_ts IS NOT NULL;
