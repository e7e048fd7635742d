-- Citizens: the online literacy test (question banks, tests, attempts) and the dynamic ledger of
-- citizens with scientific literacy. Personal fields (names, ID numbers, phones) are stored only
-- as ciphertext (`*_ct`: SM4-GCM or AES-256-GCM, key id in the header) and, where they must be
-- searched, as a keyed blind index (`*_idx`: HMAC-SM3 or HMAC-SHA-256, 16 bytes).

-- A question bank (题库), imported from a workbook; the same bytes again change nothing.
CREATE TABLE quiz_bank (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code  TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    content_hash TEXT    NOT NULL,
    items        INTEGER NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    UNIQUE (region_code, content_hash)
);

CREATE TABLE quiz_question (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    bank_id    INTEGER NOT NULL REFERENCES quiz_bank (id),
    number     TEXT    NOT NULL,
    stem       TEXT    NOT NULL,
    options    TEXT    NOT NULL,
    answer     TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    benchmark  INTEGER NOT NULL,
    dimension  TEXT    NOT NULL,
    difficulty INTEGER NOT NULL,
    UNIQUE (bank_id, number)
);

-- A published test (竞赛) of an office for its region and a period, with its blueprint.
CREATE TABLE quiz_test (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code TEXT    NOT NULL,
    bank_id     INTEGER NOT NULL REFERENCES quiz_bank (id),
    title       TEXT    NOT NULL,
    purpose     TEXT    NOT NULL,
    opens_on    TEXT    NOT NULL,
    closes_on   TEXT    NOT NULL,
    blueprint   TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX quiz_test_region ON quiz_test (region_code);

-- One attempt: the paper drawn for it, the answers, the score. One counted attempt per phone
-- per test (the unique index on the phone's blind index). `token_hash` is the SHA-256 of the
-- secret the citizen's browser holds.
CREATE TABLE quiz_attempt (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    test_id      INTEGER NOT NULL REFERENCES quiz_test (id),
    region_code  TEXT    NOT NULL,
    key_group    TEXT    NOT NULL,
    name_ct      BLOB,
    phone_ct     BLOB,
    phone_idx    BLOB,
    token_hash   TEXT    NOT NULL UNIQUE,
    consent      TEXT    NOT NULL,
    started_at   TEXT    NOT NULL,
    deadline     TEXT    NOT NULL,
    seed         INTEGER NOT NULL,
    paper        TEXT    NOT NULL,
    submitted_at TEXT,
    answers      TEXT,
    score        REAL,
    passed       INTEGER,
    result       TEXT,
    rule         TEXT
);
CREATE UNIQUE INDEX quiz_attempt_phone ON quiz_attempt (test_id, phone_idx);
CREATE INDEX quiz_attempt_test ON quiz_attempt (test_id, region_code);

-- A ledger import (one file), for the entries' history.
CREATE TABLE ledger_import (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name    TEXT    NOT NULL,
    file_hash    TEXT    NOT NULL,
    rows         INTEGER NOT NULL,
    added        INTEGER NOT NULL,
    already      INTEGER NOT NULL,
    imported_by  TEXT    NOT NULL,
    imported_at  TEXT    NOT NULL
);

-- An entry of the ledger: a person in a village, on a basis. One active entry per person (the
-- ID number's blind index).
CREATE TABLE ledger_entry (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code TEXT    NOT NULL,
    key_group   TEXT    NOT NULL,
    name_ct     BLOB    NOT NULL,
    id_ct       BLOB    NOT NULL,
    id_idx      BLOB    NOT NULL,
    phone_ct    BLOB,
    phone_idx   BLOB,
    basis       TEXT    NOT NULL,
    basis_ref   TEXT    NOT NULL,
    score       REAL,
    entered_on  TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    removed_reason TEXT,
    removed_on  TEXT,
    import_id   INTEGER REFERENCES ledger_import (id),
    created_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX ledger_entry_person ON ledger_entry (id_idx) WHERE status = 'active';
CREATE INDEX ledger_entry_region ON ledger_entry (region_code, key_group);

-- Active entries per village and key group, kept in step with every change in the same
-- transaction: a count for any region is a range over at most its villages, not its people.
CREATE TABLE ledger_count (
    region_code TEXT    NOT NULL,
    key_group   TEXT    NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (region_code, key_group)
);

-- What happened to an entry after it was entered (no personal values).
CREATE TABLE ledger_event (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id    INTEGER NOT NULL,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    from_region TEXT,
    to_region   TEXT,
    note        TEXT
);
CREATE INDEX ledger_event_entry ON ledger_event (entry_id, id);

-- A move to another village: requested by the village the entry is in, decided by the other.
CREATE TABLE ledger_move (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id     INTEGER NOT NULL REFERENCES ledger_entry (id) ON DELETE CASCADE,
    from_region  TEXT    NOT NULL,
    to_region    TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    requested_by TEXT    NOT NULL,
    requested_at TEXT    NOT NULL,
    decided_by   TEXT,
    decided_at   TEXT,
    note         TEXT
);
CREATE INDEX ledger_move_to ON ledger_move (to_region, state);
CREATE INDEX ledger_move_from ON ledger_move (from_region, state);

-- Accounts allowed to see full personal values (always with a reason, always audited).
CREATE TABLE citizen_permission (
    user_id    INTEGER NOT NULL,
    permission TEXT    NOT NULL,
    granted_by TEXT    NOT NULL,
    granted_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, permission)
);
