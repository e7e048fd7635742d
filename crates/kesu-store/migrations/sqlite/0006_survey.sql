-- Survey waves imported with `kesu survey import`: the wave (region, year, rule, design), its
-- respondents (design columns, the 0/1 literacy outcome and the domain variables — never names
-- or ID numbers), the population margins it was weighted to, and the stored estimates.
CREATE TABLE survey_wave (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code   TEXT    NOT NULL,
    year          INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    rule_json     TEXT    NOT NULL,
    design_json   TEXT    NOT NULL,
    weighting_json TEXT   NOT NULL,
    warnings_json TEXT    NOT NULL,
    source_file   TEXT    NOT NULL,
    source_sha256 TEXT    NOT NULL,
    imported_at   TEXT    NOT NULL,
    imported_by   TEXT    NOT NULL,
    n             INTEGER NOT NULL,
    UNIQUE (region_code, year, name)
);
CREATE INDEX survey_wave_region ON survey_wave (region_code, year);

CREATE TABLE survey_respondent (
    wave_id      INTEGER NOT NULL REFERENCES survey_wave (id) ON DELETE CASCADE,
    line         INTEGER NOT NULL,
    stratum      TEXT,
    psu          TEXT,
    weight       REAL    NOT NULL,
    fpc          REAL,
    literate     INTEGER NOT NULL,
    domains_json TEXT    NOT NULL,
    PRIMARY KEY (wave_id, line)
);

CREATE TABLE survey_margin (
    wave_id INTEGER NOT NULL REFERENCES survey_wave (id) ON DELETE CASCADE,
    margin  TEXT    NOT NULL,
    level   TEXT    NOT NULL,
    total   REAL    NOT NULL,
    PRIMARY KEY (wave_id, margin, level)
);

CREATE TABLE survey_result (
    wave_id INTEGER NOT NULL REFERENCES survey_wave (id) ON DELETE CASCADE,
    pos     INTEGER NOT NULL,
    by_var  TEXT    NOT NULL,
    level   TEXT    NOT NULL,
    n       INTEGER NOT NULL,
    wsum    REAL    NOT NULL,
    est     REAL    NOT NULL,
    se      REAL    NOT NULL,
    cv      REAL,
    deff    REAL,
    df      INTEGER NOT NULL,
    wald_l  REAL    NOT NULL,
    wald_u  REAL    NOT NULL,
    logit_l REAL,
    logit_u REAL,
    flags   TEXT    NOT NULL,
    PRIMARY KEY (wave_id, by_var, level)
);
