-- /timestamp_to_event looks up the closest event in a room to a point in time.
CREATE INDEX events_room_origin_ts ON events (room_id, origin_server_ts);
