-- Services for citizens (2/4): the activity calendar, visit slots, bookings and check-ins.
CREATE TABLE service_activity (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    title             TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    region_code       TEXT    NOT NULL,
    place             TEXT    NOT NULL DEFAULT '',
    key_group         TEXT,
    organiser_unit_id INTEGER REFERENCES unit (id),
    resource_id       INTEGER REFERENCES service_resource (id),
    starts_at         TEXT    NOT NULL,
    ends_at           TEXT    NOT NULL,
    cancelled         INTEGER NOT NULL DEFAULT 0,
    cancel_reason     TEXT,
    -- The secret in the check-in QR shown at the activity.
    checkin_key       TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    created_by        TEXT    NOT NULL
);
CREATE INDEX service_activity_region ON service_activity (region_code, starts_at);
CREATE INDEX service_activity_time ON service_activity (starts_at);

-- A bookable time at a base, or an activity's registration. `booked` only ever moves inside the
-- booking's transaction, by one conditional update; the CHECK is the last line of defence.
CREATE TABLE service_slot (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id  INTEGER REFERENCES service_resource (id),
    activity_id  INTEGER REFERENCES service_activity (id),
    region_code  TEXT    NOT NULL,
    starts_at    TEXT    NOT NULL,
    ends_at      TEXT    NOT NULL,
    capacity     INTEGER NOT NULL,
    booked       INTEGER NOT NULL DEFAULT 0,
    cancelled    INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    CHECK (booked >= 0 AND booked <= capacity),
    CHECK (resource_id IS NOT NULL OR activity_id IS NOT NULL)
);
CREATE INDEX service_slot_resource ON service_slot (resource_id, starts_at);
CREATE INDEX service_slot_activity ON service_slot (activity_id);

-- A booking. Names and phones are sealed (encrypted) with their masks beside them for lists;
-- the phone's blind index finds a person's no-shows without decrypting anything.
CREATE TABLE service_booking (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    slot_id        INTEGER NOT NULL REFERENCES service_slot (id),
    region_code    TEXT    NOT NULL,
    code           TEXT    NOT NULL UNIQUE,
    kind           TEXT    NOT NULL,
    organisation   TEXT,
    people         INTEGER NOT NULL,
    state          TEXT    NOT NULL,
    reason         TEXT,
    name_sealed    BLOB    NOT NULL,
    name_masked    TEXT    NOT NULL,
    phone_sealed   BLOB    NOT NULL,
    phone_masked   TEXT    NOT NULL,
    phone_blind    TEXT    NOT NULL,
    pupil_id       INTEGER,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);
CREATE INDEX service_booking_slot ON service_booking (slot_id, state);
CREATE INDEX service_booking_phone ON service_booking (phone_blind);

-- A check-in. One per booking (the booking's UNIQUE) and one per client scan (the key's
-- UNIQUE): a scan sent twice, or two scanners at once, store one row.
CREATE TABLE service_checkin (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    booking_id   INTEGER NOT NULL UNIQUE REFERENCES service_booking (id),
    client_key   TEXT    NOT NULL UNIQUE,
    place        TEXT    NOT NULL,
    region_code  TEXT    NOT NULL,
    people       INTEGER NOT NULL,
    at           TEXT    NOT NULL,
    received_at  TEXT    NOT NULL,
    offline      INTEGER NOT NULL DEFAULT 0,
    by_actor     TEXT    NOT NULL,
    voided       INTEGER NOT NULL DEFAULT 0,
    void_reason  TEXT
);
CREATE INDEX service_checkin_region ON service_checkin (region_code, at);
