-- Rooms a local user has forgotten (POST /rooms/{roomId}/forget). Keyed by the
-- membership event that was current when the room was forgotten: any later
-- membership change (a new invite, a rejoin) has another event id, so the room is
-- remembered again without anything to clean up.
CREATE TABLE forgotten_rooms (
  user_id              TEXT NOT NULL,
  room_id              TEXT NOT NULL,
  membership_event_id  TEXT NOT NULL,
  PRIMARY KEY (user_id, room_id)
);
