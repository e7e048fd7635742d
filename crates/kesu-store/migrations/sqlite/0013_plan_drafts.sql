-- A plan read from an uploaded document and not yet confirmed (方案草稿): the plan JSON as the
-- office edits it, the document's text beside it, and the draft's state (each task's place in
-- the text, the reader's doubts, how collective names are expanded). Confirming stores the
-- plan (a new plan or a new revision) and keeps the draft as the record of where it came from.
CREATE TABLE plan_draft (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code   TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    source_name   TEXT    NOT NULL,
    source_sha256 TEXT    NOT NULL,
    source_text   TEXT    NOT NULL,
    plan_json     TEXT    NOT NULL,
    state_json    TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    status        TEXT    NOT NULL,
    plan_id       INTEGER REFERENCES plan (id),
    revision      INTEGER,
    created_by    TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE INDEX plan_draft_region ON plan_draft (region_code);
