-- Audit log: one row per change, written in the same transaction as the change.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    request_id  TEXT,
    ip          TEXT,
    action      TEXT    NOT NULL,
    object      TEXT    NOT NULL,
    region_code TEXT,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_log_object ON audit_log (object);
CREATE INDEX audit_log_region ON audit_log (region_code, id);
