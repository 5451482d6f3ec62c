-- The event log, its head, and the triggers that make it append-only and gapless.

CREATE TABLE events (
    position          INTEGER PRIMARY KEY,
    stream_id         TEXT NOT NULL,
    stream_version    INTEGER NOT NULL,
    event_id          TEXT NOT NULL UNIQUE,
    type              TEXT NOT NULL,
    payload_format    TEXT NOT NULL,
    payload           BLOB NOT NULL,
    actor_person_id   TEXT NOT NULL,
    actor_name        TEXT NOT NULL,
    actor_org_id      TEXT NOT NULL,
    actor_org_name    TEXT NOT NULL,
    actor_stakeholder TEXT NOT NULL,
    plan_id           TEXT,
    stage             TEXT,
    session_id        TEXT,
    recorded_at       TEXT NOT NULL,
    prev_hash         BLOB NOT NULL,
    hash              BLOB NOT NULL,
    UNIQUE (stream_id, stream_version)
) STRICT;

-- One row: the last position and its hash. Writers take the database write lock
-- (BEGIN IMMEDIATE) before reading it, so positions are handed out in commit order.
CREATE TABLE log_head (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    position  INTEGER NOT NULL,
    hash      BLOB NOT NULL
) STRICT;

INSERT INTO log_head (singleton, position, hash) VALUES (1, 0, zeroblob(32));

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: UPDATE of events refused');
END;

-- SQLite has no TRUNCATE: "DELETE FROM events" fires this trigger too.
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: DELETE of events refused');
END;

CREATE TRIGGER events_no_hole BEFORE INSERT ON events
WHEN NEW.position IS NOT coalesce((SELECT max(position) FROM events), 0) + 1
BEGIN
    SELECT RAISE(ABORT, 'event refused: its position is not the log head + 1');
END;

CREATE TRIGGER events_linked BEFORE INSERT ON events
WHEN NEW.prev_hash IS NOT coalesce(
    (SELECT hash FROM events WHERE position = NEW.position - 1), zeroblob(32))
BEGIN
    SELECT RAISE(ABORT, 'event refused: its prev_hash is not the hash of the event before');
END;

CREATE TRIGGER log_head_matches BEFORE UPDATE ON log_head
WHEN NEW.singleton IS NOT 1
  OR NEW.position IS NOT coalesce((SELECT max(position) FROM events), 0)
  OR NEW.hash IS NOT coalesce(
      (SELECT hash FROM events WHERE position = NEW.position), zeroblob(32))
BEGIN
    SELECT RAISE(ABORT, 'log head refused: it must name the last event and its hash');
END;

CREATE TRIGGER log_head_no_delete BEFORE DELETE ON log_head
BEGIN
    SELECT RAISE(ABORT, 'the log head cannot be deleted');
END;
