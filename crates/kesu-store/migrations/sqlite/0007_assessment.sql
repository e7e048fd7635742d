-- The assessment (考核) the office runs in its region: the scheme it configured, and what people
-- entered per scheme item × assessed body × year. `region_code` is the assessing region (the
-- plan's region, e.g. a city); `assessed` is a child region code (kind 'regions') or a unit id
-- (kind 'units'). Computed scores are not stored: they follow the data.

-- Each save of a region's scheme is a new version (the latest is in force); the JSON is the one
-- kesu_indicators::Scheme parses. Without any row the built-in default scheme applies.
CREATE TABLE assessment_scheme (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    scheme      TEXT    NOT NULL,
    saved_by    TEXT    NOT NULL,
    saved_at    TEXT    NOT NULL,
    UNIQUE (region_code, version)
);

-- Self score (the assessed county or unit), reviewer score (the office) and the "done" fact of
-- fixed items (the office, judged on evidence), each with who and when.
CREATE TABLE assessment_input (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code     TEXT    NOT NULL,
    year            INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    assessed        TEXT    NOT NULL,
    item            TEXT    NOT NULL,
    self_score      REAL,
    self_note       TEXT,
    self_by         TEXT,
    self_at         TEXT,
    reviewer_score  REAL,
    reviewer_reason TEXT,
    done            INTEGER,
    reviewer_by     TEXT,
    reviewer_at     TEXT,
    UNIQUE (region_code, year, kind, assessed, item)
);
CREATE INDEX assessment_input_assessed ON assessment_input (assessed, year);
