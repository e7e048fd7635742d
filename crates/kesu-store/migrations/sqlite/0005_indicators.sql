-- Values Kesu holds besides report values: the literacy share of a region in a year from the
-- annual survey (with its confidence interval), entered by the office. They feed the plan goal
-- 公民具备科学素质的比例 and the assessment (below target, 不升反降).
CREATE TABLE indicator_record (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code TEXT    NOT NULL,
    year        INTEGER NOT NULL,
    key         TEXT    NOT NULL,
    value       REAL    NOT NULL,
    low         REAL,
    high        REAL,
    source      TEXT    NOT NULL,
    recorded_by TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    UNIQUE (region_code, year, key)
);

-- A dated snapshot an office publishes to its public page: the selected indicators with their
-- progress (public fields only) and the annual report HTML. Never updated; a new one supersedes.
CREATE TABLE published_snapshot (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code  TEXT    NOT NULL,
    year         INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    as_of        TEXT    NOT NULL,
    published_at TEXT    NOT NULL,
    published_by TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    report_html  TEXT    NOT NULL
);
CREATE INDEX published_snapshot_region ON published_snapshot (region_code, id);
