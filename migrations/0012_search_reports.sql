-- Server-side search (POST /search, room_events) and content reports (issue 8).

-- One row per searchable event: the text of the key the spec lets clients search
-- (content.body of m.room.message, content.name of m.room.name, content.topic and
-- the text/plain m.topic bodies of m.room.topic) as an English tsvector. Kept by
-- triggers on events so that every writer (the persister today, federation
-- tomorrow) indexes in the same transaction as the event, without knowing about
-- search. Only events that may be served are indexed (not rejected, soft-failed,
-- outliers or redacted), so a search reads this table alone; history visibility
-- is decided when searching.
CREATE TABLE event_search (
  event_id         TEXT PRIMARY KEY,
  room_id          TEXT NOT NULL,
  sender           TEXT NOT NULL,
  -- 'content.body', 'content.name' or 'content.topic'.
  key              TEXT NOT NULL,
  vector           TSVECTOR NOT NULL,
  stream_ordering  BIGINT NOT NULL
);

-- fastupdate off: events arrive a few at a time, and a pending list would be
-- scanned by every search until (auto)vacuum merges it, which PGlite never runs.
CREATE INDEX event_search_vector ON event_search USING GIN (vector) WITH (fastupdate = off);
-- order_by=recent reads matches newest first: across rooms by position alone
-- (a frequent word finds its page in the first rows), within a room by both.
CREATE INDEX event_search_stream ON event_search (stream_ordering);
CREATE INDEX event_search_room_stream ON event_search (room_id, stream_ordering);

-- The searchable key and text of an event JSON, or NULL when it has none.
CREATE FUNCTION event_search_text(ev_type TEXT, ev_state_key TEXT, ev_json TEXT, OUT key TEXT, OUT body TEXT)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  content JSONB;
BEGIN
  IF ev_type NOT IN ('m.room.message', 'm.room.name', 'm.room.topic') THEN
    RETURN;
  END IF;
  content := (ev_json::jsonb) -> 'content';
  IF ev_type = 'm.room.message' AND jsonb_typeof(content -> 'body') = 'string' THEN
    key := 'content.body';
    body := content ->> 'body';
  ELSIF ev_type = 'm.room.name' AND ev_state_key = '' AND jsonb_typeof(content -> 'name') = 'string' THEN
    key := 'content.name';
    body := content ->> 'name';
  ELSIF ev_type = 'm.room.topic' AND ev_state_key = '' THEN
    key := 'content.topic';
    SELECT concat_ws(' ',
             CASE WHEN jsonb_typeof(content -> 'topic') = 'string' THEN content ->> 'topic' END,
             (SELECT string_agg(t ->> 'body', ' ')
                FROM jsonb_array_elements(CASE WHEN jsonb_typeof(content -> 'm.topic' -> 'm.text') = 'array'
                                               THEN content -> 'm.topic' -> 'm.text' ELSE '[]'::jsonb END) t
               WHERE jsonb_typeof(t) = 'object' AND jsonb_typeof(t -> 'body') = 'string'
                 AND coalesce(t ->> 'mimetype', 'text/plain') = 'text/plain'))
      INTO body;
  END IF;
  IF body = '' THEN
    key := NULL;
    body := NULL;
  END IF;
END $$;

-- (Re)indexes one event: on insert, and when it is redacted, rejected, soft-failed
-- or stops being an outlier.
CREATE FUNCTION event_search_index() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  found RECORD;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM event_search WHERE event_id = NEW.event_id;
  END IF;
  IF NEW.redacted OR NEW.outlier OR NEW.soft_failed OR NEW.rejected_reason IS NOT NULL THEN
    RETURN NULL;
  END IF;
  found := event_search_text(NEW.type, NEW.state_key, NEW.json);
  IF found.body IS NOT NULL THEN
    INSERT INTO event_search (event_id, room_id, sender, key, vector, stream_ordering)
    VALUES (NEW.event_id, NEW.room_id, NEW.sender, found.key, to_tsvector('english', found.body), NEW.stream_ordering)
    ON CONFLICT (event_id) DO NOTHING;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER events_search_insert AFTER INSERT ON events
  FOR EACH ROW WHEN (NEW.type IN ('m.room.message', 'm.room.name', 'm.room.topic'))
  EXECUTE FUNCTION event_search_index();

CREATE TRIGGER events_search_update AFTER UPDATE OF redacted, outlier, soft_failed, rejected_reason ON events
  FOR EACH ROW WHEN (NEW.type IN ('m.room.message', 'm.room.name', 'm.room.topic'))
  EXECUTE FUNCTION event_search_index();

-- Events persisted before this migration.
INSERT INTO event_search (event_id, room_id, sender, key, vector, stream_ordering)
SELECT e.event_id, e.room_id, e.sender, t.key, to_tsvector('english', t.body), e.stream_ordering
FROM events e, LATERAL event_search_text(e.type, e.state_key, e.json) t
WHERE e.type IN ('m.room.message', 'm.room.name', 'm.room.topic') AND t.body IS NOT NULL
  AND NOT e.redacted AND NOT e.outlier AND NOT e.soft_failed AND e.rejected_reason IS NULL;

-- Reports of events, rooms and users by local users (POST …/report…), kept for
-- the server's admins (the admin API that lists and resolves them comes later).
CREATE TABLE content_reports (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_ts     BIGINT NOT NULL,
  reporter        TEXT NOT NULL,
  -- What was reported: 'event' (room_id and event_id set), 'room' (room_id) or 'user' (target_user_id).
  kind            TEXT NOT NULL CHECK (kind IN ('event', 'room', 'user')),
  room_id         TEXT,
  event_id        TEXT,
  target_user_id  TEXT,
  reason          TEXT,
  -- The legacy score of event reports (-100 most offensive … 0 inoffensive), removed from the spec in v1.18.
  score           INTEGER
);

CREATE INDEX content_reports_received ON content_reports (received_ts);
