-- Federation EDUs (typing, receipts, presence; issues 5 and 8): ephemeral EDUs
-- must not pile up in the durable outbox while a destination is unreachable.
-- An EDU queued with a key replaces the destination's queued EDU with the same
-- key (only the latest typing state of a room+user, receipt of a
-- room+user+thread, presence of a user is worth sending), and one with an
-- expiry is dropped unsent once it has passed (typing older than the remote
-- side's own timeout would only show a stale "is typing").
ALTER TABLE federation_outbox ADD COLUMN edu_key TEXT;
ALTER TABLE federation_outbox ADD COLUMN expires_ts BIGINT;

CREATE INDEX federation_outbox_edu_key ON federation_outbox (destination, edu_key) WHERE edu_key IS NOT NULL;
