-- The event log, its head, and the triggers that make it append-only and gapless.

CREATE TABLE events (
    position          bigint PRIMARY KEY CHECK (position >= 1),
    stream_id         text NOT NULL,
    stream_version    bigint NOT NULL CHECK (stream_version >= 1),
    event_id          text NOT NULL UNIQUE,
    type              text NOT NULL,
    payload_format    text NOT NULL,
    payload           bytea NOT NULL,
    actor_person_id   text NOT NULL,
    actor_name        text NOT NULL,
    actor_org_id      text NOT NULL,
    actor_org_name    text NOT NULL,
    actor_stakeholder text NOT NULL,
    plan_id           text,
    stage             text,
    session_id        text,
    recorded_at       timestamptz NOT NULL,
    prev_hash         bytea NOT NULL,
    hash              bytea NOT NULL,
    UNIQUE (stream_id, stream_version)
);

-- One row: the last position and its hash. Every append locks it (SELECT ... FOR UPDATE)
-- until commit, so the next append reads the committed head: positions are handed out in
-- commit order and a reader tailing by position never skips an event that commits later.
CREATE TABLE log_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    position  bigint NOT NULL,
    hash      bytea NOT NULL
);

INSERT INTO log_head (singleton, position, hash) VALUES (true, 0, decode(repeat('00', 32), 'hex'));

CREATE FUNCTION kokreasi_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only: % of % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION kokreasi_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION kokreasi_refuse_change();
CREATE TRIGGER log_head_no_delete BEFORE DELETE ON log_head
    FOR EACH ROW EXECUTE FUNCTION kokreasi_refuse_change();
CREATE TRIGGER log_head_no_truncate BEFORE TRUNCATE ON log_head
    FOR EACH STATEMENT EXECUTE FUNCTION kokreasi_refuse_change();

-- Checked once per INSERT statement over all its rows (a transition table), so a batch of a
-- group commit costs one join rather than one lookup per row. Together with the primary key
-- this keeps positions 1..n without a hole and every prev_hash equal to the hash before it.
CREATE FUNCTION kokreasi_check_links() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    SELECT n.position INTO bad
      FROM new_events n
      LEFT JOIN events p ON p.position = n.position - 1
     WHERE CASE WHEN n.position = 1 THEN n.prev_hash <> decode(repeat('00', 32), 'hex')
                ELSE p.position IS NULL OR p.hash <> n.prev_hash END
     ORDER BY n.position
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'event % refused: not the log head + 1, or prev_hash is not the hash '
                        'of the event before', bad
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_chain AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION kokreasi_check_links();

CREATE FUNCTION kokreasi_check_head() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_position bigint;
    last_hash bytea;
BEGIN
    SELECT position, hash INTO last_position, last_hash
      FROM events ORDER BY position DESC LIMIT 1;
    IF NEW.position IS DISTINCT FROM coalesce(last_position, 0)
       OR NEW.hash IS DISTINCT FROM coalesce(last_hash, decode(repeat('00', 32), 'hex')) THEN
        RAISE EXCEPTION 'log head refused: it must name the last event and its hash'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER log_head_matches BEFORE UPDATE ON log_head
    FOR EACH ROW EXECUTE FUNCTION kokreasi_check_head();
