-- Unread counts (packages/sync/src/notifications/unread-counts.ts) read only notifying
-- outcomes after a receipt: these partial indexes hold exactly those, with the columns the
-- count needs, so a /sync counts a room's unread notifications with an index-only scan.
-- The main timeline has its own, so a main-timeline receipt skips what it covers even
-- when threads' events sit between.
CREATE INDEX event_push_outcomes_main_notifying ON event_push_outcomes (room_id, stream_ordering)
  INCLUDE (sender, highlight) WHERE notify AND thread_id = 'main';
CREATE INDEX event_push_outcomes_thread_notifying ON event_push_outcomes (room_id, stream_ordering)
  INCLUDE (sender, thread_id, highlight) WHERE notify AND thread_id <> 'main';

-- Index-only scans skip the table only for pages vacuum has marked all-visible, and the
-- rows a count reads are the newest. By default an insert-only table is vacuumed after
-- inserts of 20% of its size, so in a large one the newest rows would all be checked
-- against the table; every 10,000 inserts keeps them marked (vacuum then reads only the
-- pages written since).
ALTER TABLE event_push_outcomes SET (autovacuum_vacuum_insert_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0);
