-- Event JSON may carry U+0000 (escaped as \u0000: valid JSON, and allowed in events),
-- which jsonb cannot hold: casting such an event's JSON to jsonb fails, and with it the
-- statement around it (the search index trigger of a send, a directory read). event_jsonb
-- is that cast with each \u0000 escape read as U+FFFD, for queries that look inside
-- events; the events table keeps the exact JSON. (The text "\u0000" written with an
-- escaped backslash reads as "\ufffd" there too, which only queries can see.)
CREATE FUNCTION event_jsonb(doc TEXT) RETURNS JSONB LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT replace(doc, '\u0000', '\ufffd')::jsonb $$;

-- The search index reads events through it (migrations/0012_search_reports.sql).
CREATE OR REPLACE FUNCTION event_search_text(ev_type TEXT, ev_state_key TEXT, ev_json TEXT, OUT key TEXT, OUT body TEXT)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  content JSONB;
BEGIN
  IF ev_type NOT IN ('m.room.message', 'm.room.name', 'm.room.topic') THEN
    RETURN;
  END IF;
  content := event_jsonb(ev_json) -> 'content';
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
