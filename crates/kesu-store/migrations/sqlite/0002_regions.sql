-- The administrative division tree (统计用区划代码). Codes nest by prefix with a fixed length per
-- level (2/4/6/9/12), so a subtree is a range of the primary key: code >= '4313' AND code < '4314'.
-- parent_code is checked by the import rather than by a foreign key, so a national table loads in
-- any order and fast.
CREATE TABLE region (
    code        TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    level       INTEGER NOT NULL,
    parent_code TEXT,
    edition     TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX region_name ON region (name);

-- One row per import of a division table.
CREATE TABLE region_edition (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    edition     TEXT    NOT NULL,
    imported_at TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    row_count   INTEGER NOT NULL
);

-- Population of a region in a year, with optional urban/rural split.
CREATE TABLE region_population (
    region_code TEXT    NOT NULL REFERENCES region (code),
    year        INTEGER NOT NULL,
    population  INTEGER NOT NULL,
    urban       INTEGER,
    rural       INTEGER,
    PRIMARY KEY (region_code, year)
);

-- Population by sex and age group (e.g. male / "15-59"), for post-stratification.
CREATE TABLE region_population_group (
    region_code TEXT    NOT NULL,
    year        INTEGER NOT NULL,
    sex         TEXT    NOT NULL,
    age_group   TEXT    NOT NULL,
    population  INTEGER NOT NULL,
    PRIMARY KEY (region_code, year, sex, age_group),
    FOREIGN KEY (region_code, year) REFERENCES region_population (region_code, year) ON DELETE CASCADE
);
