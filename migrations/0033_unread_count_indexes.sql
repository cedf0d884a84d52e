-- Unread counts (packages/sync/src/notifications/unread-counts.ts) read only notifying
-- outcomes after a receipt: these partial indexes hold exactly those, with the columns the
-- count needs, so a /sync counts a room's unread notifications with an index-only scan.
-- The main timeline has its own, so a main-timeline receipt skips what it covers even
-- when threads' events sit between.
CREATE INDEX event_push_outcomes_main_notifying ON event_push_outcomes (room_id, stream_ordering)
  INCLUDE (sender, highlight) WHERE notify AND thread_id = 'main';
CREATE INDEX event_push_outcomes_thread_notifying ON event_push_outcomes (room_id, stream_ordering)
  INCLUDE (sender, thread_id, highlight) WHERE notify AND thread_id <> 'main';
