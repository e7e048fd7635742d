-- Accounts, sessions and the login log (web platform).
CREATE TABLE app_user (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    region_code   TEXT    NOT NULL,
    unit_id       INTEGER REFERENCES unit (id),
    password_hash TEXT    NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT    NOT NULL
);
CREATE INDEX app_user_unit ON app_user (unit_id);

CREATE TABLE session (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES app_user (id),
    token_hash  TEXT    NOT NULL UNIQUE,
    csrf_token  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    last_seen   TEXT    NOT NULL,
    ip          TEXT
);
CREATE INDEX session_by_user ON session (user_id);

CREATE TABLE login_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT    NOT NULL,
    username  TEXT    NOT NULL,
    user_id   INTEGER,
    ip        TEXT,
    outcome   TEXT    NOT NULL
);
CREATE INDEX login_log_user ON login_log (username, id);

-- Reporting rounds (填报轮次) and report slots: one per (round, task, unit).
CREATE TABLE reporting_round (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id     INTEGER NOT NULL REFERENCES plan (id),
    region_code TEXT    NOT NULL,
    period      TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    due_date    TEXT    NOT NULL,
    lock_date   TEXT    NOT NULL,
    opened_by   TEXT    NOT NULL,
    opened_at   TEXT    NOT NULL,
    demo        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (plan_id, period)
);

CREATE TABLE report (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id     INTEGER NOT NULL REFERENCES reporting_round (id),
    task_id      INTEGER NOT NULL REFERENCES task (id),
    unit_id      INTEGER NOT NULL REFERENCES unit (id),
    role         TEXT    NOT NULL,
    region_code  TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    version      INTEGER NOT NULL DEFAULT 0,
    content      TEXT    NOT NULL DEFAULT '',
    exception    INTEGER NOT NULL DEFAULT 0,
    return_reason TEXT,
    submitted_at TEXT,
    updated_at   TEXT,
    updated_by   TEXT,
    UNIQUE (round_id, task_id, unit_id)
);
CREATE INDEX report_unit ON report (unit_id, round_id);
CREATE INDEX report_task ON report (round_id, task_id);

-- The value a report gives for each of its task's targets.
CREATE TABLE report_value (
    report_id  INTEGER NOT NULL REFERENCES report (id),
    target_id  INTEGER NOT NULL REFERENCES target (id),
    value      REAL,
    note       TEXT,
    PRIMARY KEY (report_id, target_id)
);

-- Every version and state change of a report, never updated.
CREATE TABLE report_event (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id   INTEGER NOT NULL REFERENCES report (id),
    version     INTEGER NOT NULL,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    from_state  TEXT    NOT NULL,
    to_state    TEXT    NOT NULL,
    reason      TEXT,
    content     TEXT    NOT NULL,
    values_json TEXT    NOT NULL
);
CREATE INDEX report_event_report ON report_event (report_id, id);

-- Evidence files, stored by content hash under the data directory.
CREATE TABLE attachment (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id   INTEGER NOT NULL REFERENCES report (id),
    sha256      TEXT    NOT NULL,
    file_name   TEXT    NOT NULL,
    mime        TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    uploaded_by TEXT    NOT NULL,
    at          TEXT    NOT NULL
);
CREATE INDEX attachment_report ON attachment (report_id);

CREATE TABLE notification (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES app_user (id),
    at         TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    link       TEXT,
    read_at    TEXT
);
CREATE INDEX notification_user ON notification (user_id, id);
