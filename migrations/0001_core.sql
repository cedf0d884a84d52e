-- Core schema: streams, rooms, events, the event graph, state (ARCHITECTURE.md §4–§6).
--
-- Conventions: ids are TEXT; timestamps are BIGINT milliseconds since the epoch;
-- stream positions are BIGINT from the stream's own sequence (below).

-- ---------------------------------------------------------------------------
-- Streams (§4). Every stream draws positions from its own sequence, inside the
-- transaction that writes the row: stream_<name>_seq. nextval() never rolls
-- back, so a stream has gaps; readers rely on writers' persisted-up-to
-- positions, never on contiguity. A new stream = a new sequence in a migration.
CREATE SEQUENCE stream_events_seq;
CREATE SEQUENCE stream_account_data_seq;
CREATE SEQUENCE stream_to_device_seq;
CREATE SEQUENCE stream_device_lists_seq;
CREATE SEQUENCE stream_presence_seq;
CREATE SEQUENCE stream_receipts_seq;
CREATE SEQUENCE stream_push_rules_seq;
CREATE SEQUENCE stream_caches_seq;

-- Each writer's persisted-up-to position: every row it wrote at or below this
-- position is committed. A stream's safe position is the minimum over writers.
CREATE TABLE stream_positions (
  stream_name    TEXT NOT NULL,
  instance_name  TEXT NOT NULL,
  position       BIGINT NOT NULL,
  PRIMARY KEY (stream_name, instance_name)
);

-- ---------------------------------------------------------------------------
-- Rooms.
CREATE TABLE rooms (
  room_id       TEXT PRIMARY KEY,
  room_version  TEXT NOT NULL,
  -- NULL for rooms first seen over federation before their create event.
  creator       TEXT,
  -- Published in this server's room directory.
  is_public     BOOLEAN NOT NULL DEFAULT FALSE,
  created_ts    BIGINT NOT NULL
);

CREATE INDEX rooms_public ON rooms (room_id) WHERE is_public;

CREATE TABLE room_aliases (
  room_alias  TEXT PRIMARY KEY,
  room_id     TEXT NOT NULL,
  -- The local user who created the alias (may delete it); NULL for aliases from other sources.
  creator     TEXT,
  -- Servers advertised in the directory response for this alias.
  servers     TEXT[] NOT NULL DEFAULT '{}'
);

CREATE INDEX room_aliases_room ON room_aliases (room_id);

-- ---------------------------------------------------------------------------
-- Events. One row per PDU we hold, including outliers (events we have without
-- the state before them: invites, auth chains, backfill) and rejected events.
CREATE TABLE events (
  event_id          TEXT PRIMARY KEY,
  room_id           TEXT NOT NULL,
  -- Position in the events stream (stream_events_seq), allocated in the
  -- persisting transaction by the writer named in instance_name.
  stream_ordering   BIGINT NOT NULL UNIQUE,
  -- The event's depth: /messages pages by (topological_ordering, stream_ordering).
  topological_ordering BIGINT NOT NULL,
  type              TEXT NOT NULL,
  -- NULL for non-state events.
  state_key         TEXT,
  sender            TEXT NOT NULL,
  origin_server_ts  BIGINT NOT NULL,
  received_ts       BIGINT NOT NULL,
  -- The full PDU as received or built. TEXT rather than JSONB: stored and
  -- returned verbatim (no re-encoding on the hot path); fields we filter on
  -- have their own columns.
  json              TEXT NOT NULL,
  -- Why the event failed auth; NULL when accepted.
  rejected_reason   TEXT,
  -- Passed auth against its auth events but not against current state (§5):
  -- kept in the DAG, not served to clients.
  soft_failed       BOOLEAN NOT NULL DEFAULT FALSE,
  outlier           BOOLEAN NOT NULL DEFAULT FALSE,
  -- The writer (event persister) that allocated stream_ordering.
  instance_name     TEXT NOT NULL,
  -- A redaction of this event has been accepted (content pruned on read).
  redacted          BOOLEAN NOT NULL DEFAULT FALSE
);

-- Timelines for sync (room + position) and /messages (room + depth).
CREATE INDEX events_room_stream ON events (room_id, stream_ordering);
CREATE INDEX events_room_topological ON events (room_id, topological_ordering, stream_ordering);
-- Catching up with a writer: rows it wrote after a position.
CREATE INDEX events_instance_stream ON events (instance_name, stream_ordering);

-- prev_events of each event (the DAG's edges).
CREATE TABLE event_edges (
  event_id       TEXT NOT NULL,
  prev_event_id  TEXT NOT NULL,
  PRIMARY KEY (event_id, prev_event_id)
);

-- Children of an event: does it still have none (forward extremity), walking forwards.
CREATE INDEX event_edges_prev ON event_edges (prev_event_id);

-- auth_events of each event.
CREATE TABLE event_auth (
  event_id  TEXT NOT NULL,
  auth_id   TEXT NOT NULL,
  PRIMARY KEY (event_id, auth_id)
);

-- The room's current DAG tips: prev_events of the next event we create.
CREATE TABLE event_forward_extremities (
  room_id   TEXT NOT NULL,
  event_id  TEXT NOT NULL,
  PRIMARY KEY (room_id, event_id)
);

-- Events referenced as prev_events that we do not have: where backfill starts.
CREATE TABLE event_backward_extremities (
  room_id   TEXT NOT NULL,
  event_id  TEXT NOT NULL,
  PRIMARY KEY (room_id, event_id)
);

CREATE TABLE redactions (
  -- The m.room.redaction event.
  event_id     TEXT PRIMARY KEY,
  -- The event it redacts (which we may not have yet).
  redacts      TEXT NOT NULL,
  received_ts  BIGINT NOT NULL
);

CREATE INDEX redactions_redacts ON redactions (redacts);

-- ---------------------------------------------------------------------------
-- State (§6): state groups are either snapshots (prev_group NULL, delta_depth 0,
-- entries = the full state) or deltas against prev_group (entries = the keys
-- that changed; event_id NULL removes a key). Delta chains are bounded (the
-- store writes a snapshot when a chain would grow past its limit), so reading a
-- group touches at most that many groups, and a 30,000-member room does not
-- copy its membership into every group.
CREATE SEQUENCE state_group_id_seq;

CREATE TABLE state_groups (
  id           BIGINT PRIMARY KEY,
  room_id      TEXT NOT NULL,
  prev_group   BIGINT REFERENCES state_groups (id),
  delta_depth  INT NOT NULL,
  CHECK ((prev_group IS NULL) = (delta_depth = 0))
);

CREATE INDEX state_groups_room ON state_groups (room_id);
-- Garbage collection: which deltas hang off a group.
CREATE INDEX state_groups_prev ON state_groups (prev_group) WHERE prev_group IS NOT NULL;

CREATE TABLE state_group_entries (
  state_group  BIGINT NOT NULL REFERENCES state_groups (id) ON DELETE CASCADE,
  type         TEXT NOT NULL,
  state_key    TEXT NOT NULL,
  event_id     TEXT,
  PRIMARY KEY (state_group, type, state_key)
);

-- The state AFTER each non-outlier event (for a message event, equal to the state before it).
CREATE TABLE event_to_state_groups (
  event_id     TEXT PRIMARY KEY,
  state_group  BIGINT NOT NULL REFERENCES state_groups (id)
);

-- Garbage collection: is a group still referenced by an event.
CREATE INDEX event_to_state_groups_group ON event_to_state_groups (state_group);

-- The room's current (resolved) state, materialised.
CREATE TABLE current_state_events (
  room_id     TEXT NOT NULL,
  type        TEXT NOT NULL,
  state_key   TEXT NOT NULL,
  event_id    TEXT NOT NULL,
  -- Copied from m.room.member content; NULL for other types.
  membership  TEXT,
  PRIMARY KEY (room_id, type, state_key)
);

-- Members of a room by membership (joined member lists and counts).
CREATE INDEX current_state_events_members ON current_state_events (room_id, membership)
  WHERE type = 'm.room.member';

-- ---------------------------------------------------------------------------
-- Memberships.

-- Every m.room.member event, local and remote.
CREATE TABLE room_memberships (
  event_id         TEXT PRIMARY KEY,
  user_id          TEXT NOT NULL,
  sender           TEXT NOT NULL,
  room_id          TEXT NOT NULL,
  membership       TEXT NOT NULL,
  stream_ordering  BIGINT NOT NULL,
  display_name     TEXT,
  avatar_url       TEXT
);

CREATE INDEX room_memberships_user_room ON room_memberships (user_id, room_id);
CREATE INDEX room_memberships_room_stream ON room_memberships (room_id, stream_ordering);

-- The current membership of each LOCAL user in each room they ever had one in,
-- including invites and knocks received over federation for rooms we are not in:
-- "which rooms is @alice in" is one index range scan.
CREATE TABLE local_current_membership (
  user_id          TEXT NOT NULL,
  room_id          TEXT NOT NULL,
  event_id         TEXT NOT NULL,
  membership       TEXT NOT NULL,
  stream_ordering  BIGINT NOT NULL,
  PRIMARY KEY (user_id, room_id)
);

CREATE INDEX local_current_membership_user_membership ON local_current_membership (user_id, membership);
CREATE INDEX local_current_membership_room ON local_current_membership (room_id);
