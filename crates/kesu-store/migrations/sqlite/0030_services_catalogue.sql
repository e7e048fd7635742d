-- Services for citizens (1/4): the resource catalogue (科普资源名录) and science bases'
-- certification with yearly reviews. Nothing here is deleted: a base that fails a review keeps
-- its rows and drops out by the dated result.
CREATE TABLE service_resource (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    region_code   TEXT    NOT NULL,
    address       TEXT    NOT NULL DEFAULT '',
    groups        TEXT    NOT NULL DEFAULT '',
    description   TEXT    NOT NULL DEFAULT '',
    owner_unit_id INTEGER REFERENCES unit (id),
    published     INTEGER NOT NULL DEFAULT 1,
    -- The secret in the QR poster at the door: self check-in at a base needs it.
    checkin_key   TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    created_by    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    UNIQUE (region_code, kind, name)
);
CREATE INDEX service_resource_kind ON service_resource (kind, region_code);

-- A certification (认定): a new batch is a new row; the latest one is in force.
CREATE TABLE service_base_cert (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id   INTEGER NOT NULL REFERENCES service_resource (id),
    level         TEXT    NOT NULL,
    batch         TEXT    NOT NULL,
    certified_on  TEXT    NOT NULL,
    valid_until   TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    created_by    TEXT    NOT NULL
);
CREATE INDEX service_base_cert_resource ON service_base_cert (resource_id, id);

-- One review per base and year: self-report, expert score, result and the day it was decided.
CREATE TABLE service_base_review (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id   INTEGER NOT NULL REFERENCES service_resource (id),
    year          INTEGER NOT NULL,
    self_report   TEXT    NOT NULL DEFAULT '',
    expert_score  REAL,
    result        TEXT,
    decided_on    TEXT,
    updated_at    TEXT    NOT NULL,
    updated_by    TEXT    NOT NULL,
    UNIQUE (resource_id, year)
);
