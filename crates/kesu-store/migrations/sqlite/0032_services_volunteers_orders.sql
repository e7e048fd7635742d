-- Services for citizens (3/4): volunteer teams, volunteers (real-name, sealed), attendance
-- records (the only source of service hours), and service orders with their history.
CREATE TABLE service_team (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    region_code     TEXT    NOT NULL,
    unit_id         INTEGER REFERENCES unit (id),
    leader_user_id  INTEGER REFERENCES app_user (id),
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    UNIQUE (region_code, name)
);
CREATE INDEX service_team_leader ON service_team (leader_user_id);

CREATE TABLE service_volunteer (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    volunteer_no   TEXT    NOT NULL UNIQUE,
    region_code    TEXT    NOT NULL,
    team_id        INTEGER REFERENCES service_team (id),
    name_sealed    BLOB    NOT NULL,
    name_masked    TEXT    NOT NULL,
    phone_sealed   BLOB    NOT NULL,
    phone_masked   TEXT    NOT NULL,
    phone_blind    TEXT    NOT NULL UNIQUE,
    skills         TEXT    NOT NULL DEFAULT '',
    registered_on  TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    created_by     TEXT    NOT NULL
);
CREATE INDEX service_volunteer_region ON service_volunteer (region_code, registered_on);
CREATE INDEX service_volunteer_team ON service_volunteer (team_id);

-- Check-in and check-out of a volunteer at an activity or for an order. A correction is a new
-- row pointing at the row it replaces (`corrects`), with a reason; the old row stays.
CREATE TABLE service_attendance (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    volunteer_id  INTEGER NOT NULL REFERENCES service_volunteer (id),
    activity_id   INTEGER REFERENCES service_activity (id),
    order_id      INTEGER,
    region_code   TEXT    NOT NULL,
    check_in      TEXT    NOT NULL,
    check_out     TEXT,
    corrects      INTEGER REFERENCES service_attendance (id),
    reason        TEXT,
    recorded_by   TEXT    NOT NULL,
    recorded_at   TEXT    NOT NULL
);
CREATE INDEX service_attendance_volunteer ON service_attendance (volunteer_id, id);
CREATE UNIQUE INDEX service_attendance_one_correction ON service_attendance (corrects);

-- A service order (点单). `version` guards against two people acting on a stale page.
CREATE TABLE service_order (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    title               TEXT    NOT NULL,
    detail              TEXT    NOT NULL,
    category            TEXT    NOT NULL DEFAULT '',
    region_code         TEXT    NOT NULL,
    wanted_on           TEXT,
    state               TEXT    NOT NULL,
    department_unit_id  INTEGER REFERENCES unit (id),
    team_id             INTEGER REFERENCES service_team (id),
    dispatched_before   INTEGER NOT NULL DEFAULT 0,
    since               TEXT    NOT NULL,
    due_at              TEXT,
    asker_user_id       INTEGER REFERENCES app_user (id),
    asker_code          TEXT    UNIQUE,
    asker_name_masked   TEXT    NOT NULL DEFAULT '',
    asker_phone_sealed  BLOB,
    asker_phone_masked  TEXT    NOT NULL DEFAULT '',
    report              TEXT,
    stars               INTEGER,
    comment             TEXT,
    version             INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT    NOT NULL
);
CREATE INDEX service_order_region ON service_order (region_code, state);
CREATE INDEX service_order_department ON service_order (department_unit_id, state);

-- Every step of an order, never updated.
CREATE TABLE service_order_event (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    INTEGER NOT NULL REFERENCES service_order (id),
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    party       TEXT    NOT NULL,
    step        TEXT    NOT NULL,
    from_state  TEXT    NOT NULL,
    to_state    TEXT    NOT NULL,
    text        TEXT,
    late        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX service_order_event_order ON service_order_event (order_id, id);
