-- Units (责任单位) per region: one row per body under its canonical name; aliases keep every
-- spelling seen in documents. A merged unit points at the unit it was merged into.
CREATE TABLE unit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    parent_id   INTEGER REFERENCES unit (id),
    merged_into INTEGER REFERENCES unit (id),
    created_at  TEXT    NOT NULL,
    UNIQUE (region_code, name)
);

CREATE TABLE unit_alias (
    region_code TEXT    NOT NULL,
    alias       TEXT    NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES unit (id),
    PRIMARY KEY (region_code, alias)
);
CREATE INDEX unit_alias_unit ON unit_alias (unit_id);

-- A plan and its current revision. Identity: region and title.
CREATE TABLE plan (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code   TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    level         TEXT,
    period_start  INTEGER,
    period_end    INTEGER,
    issuer        TEXT,
    revision      INTEGER NOT NULL,
    source_name   TEXT    NOT NULL,
    source_sha256 TEXT    NOT NULL,
    imported_at   TEXT    NOT NULL,
    imported_by   TEXT    NOT NULL,
    UNIQUE (region_code, title)
);

-- Every revision as imported: the whole plan JSON and what changed from the one before.
CREATE TABLE plan_revision (
    plan_id       INTEGER NOT NULL REFERENCES plan (id),
    revision      INTEGER NOT NULL,
    source_name   TEXT    NOT NULL,
    source_sha256 TEXT    NOT NULL,
    plan_json     TEXT    NOT NULL,
    changes_json  TEXT    NOT NULL,
    imported_at   TEXT    NOT NULL,
    imported_by   TEXT    NOT NULL,
    PRIMARY KEY (plan_id, revision)
);

-- Tasks keep their id across revisions (matched by numbering path), so reports stay attached;
-- a task gone from a later revision is marked removed, never deleted.
CREATE TABLE task (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id     INTEGER NOT NULL REFERENCES plan (id),
    region_code TEXT    NOT NULL,
    ord         INTEGER NOT NULL,
    path        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    body        TEXT,
    removed_in  INTEGER,
    UNIQUE (plan_id, path)
);

CREATE TABLE task_unit (
    task_id INTEGER NOT NULL REFERENCES task (id),
    unit_id INTEGER NOT NULL REFERENCES unit (id),
    role    TEXT    NOT NULL,
    ord     INTEGER NOT NULL,
    PRIMARY KEY (task_id, unit_id, role)
);
CREATE INDEX task_unit_unit ON task_unit (unit_id);

-- Quantitative targets of a task, or goals of the plan (task_id NULL), by position.
CREATE TABLE target (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id     INTEGER NOT NULL REFERENCES plan (id),
    task_id     INTEGER REFERENCES task (id),
    ord         INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    indicator   TEXT,
    comparator  TEXT    NOT NULL,
    value       REAL    NOT NULL,
    value_high  REAL,
    unit        TEXT,
    year        INTEGER,
    per         TEXT,
    removed_in  INTEGER
);
CREATE INDEX target_task ON target (task_id);
CREATE INDEX target_plan ON target (plan_id);
