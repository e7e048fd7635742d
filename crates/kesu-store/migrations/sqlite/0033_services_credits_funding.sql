-- Services for citizens (4/4): pupils' credits (学分制) and funding (科普经费).
-- Pupils are minors: names sealed, masks for lists; a parent sees a record by its code.
CREATE TABLE service_pupil (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    school_unit_id  INTEGER NOT NULL REFERENCES unit (id),
    region_code     TEXT    NOT NULL,
    grade           TEXT    NOT NULL DEFAULT '',
    class_name      TEXT    NOT NULL DEFAULT '',
    name_sealed     BLOB    NOT NULL,
    name_masked     TEXT    NOT NULL,
    code            TEXT    NOT NULL UNIQUE,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL
);
CREATE INDEX service_pupil_school ON service_pupil (school_unit_id);

-- The credit rules of a region, one row per version (the highest is in force).
CREATE TABLE service_credit_rules (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code  TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    rules_json   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    UNIQUE (region_code, version)
);

-- What earns credits: a check-in (`ref` = 'checkin:ID'), a test result, a teacher's award.
-- Voided, never deleted.
CREATE TABLE service_credit_source (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    pupil_id     INTEGER NOT NULL REFERENCES service_pupil (id),
    region_code  TEXT    NOT NULL,
    on_day       TEXT    NOT NULL,
    amount       REAL    NOT NULL DEFAULT 0,
    ref          TEXT    NOT NULL,
    note         TEXT    NOT NULL DEFAULT '',
    voided       INTEGER NOT NULL DEFAULT 0,
    void_reason  TEXT,
    created_at   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    UNIQUE (kind, ref, pupil_id)
);
CREATE INDEX service_credit_source_pupil ON service_credit_source (pupil_id);

-- The ledger: append-only.
CREATE TABLE service_credit_entry (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    pupil_id      INTEGER NOT NULL REFERENCES service_pupil (id),
    source_id     INTEGER NOT NULL REFERENCES service_credit_source (id),
    region_code   TEXT    NOT NULL,
    term          TEXT    NOT NULL,
    points        REAL    NOT NULL,
    rule_version  INTEGER NOT NULL,
    cause         TEXT    NOT NULL,
    at            TEXT    NOT NULL
);
CREATE INDEX service_credit_entry_pupil ON service_credit_entry (pupil_id, id);
CREATE INDEX service_credit_entry_region ON service_credit_entry (region_code, at);

CREATE TABLE service_funding (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code  TEXT    NOT NULL,
    year         INTEGER NOT NULL,
    budgeted     REAL    NOT NULL,
    spent        REAL    NOT NULL,
    note         TEXT    NOT NULL DEFAULT '',
    updated_at   TEXT    NOT NULL,
    updated_by   TEXT    NOT NULL,
    UNIQUE (region_code, year)
);
