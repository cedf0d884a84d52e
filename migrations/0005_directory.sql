-- Room directory and user directory (issue 3). Aliases (room_aliases) and the
-- published flag (rooms.is_public) live in 0001_core.sql; this file adds what
-- the directory queries need to read current state across rooms.

-- Room settings across rooms: the user directory asks "which rooms are public
-- (join rule) or world-readable (history visibility)", which looks up
-- state_key '' rows by type without walking every member row of
-- current_state_events. Joined members per room are served by
-- current_state_events_members (0001).
CREATE INDEX current_state_events_room_settings ON current_state_events (type, room_id) WHERE state_key = '';
