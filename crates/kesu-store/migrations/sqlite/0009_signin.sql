-- Sign-in throttling and idle sessions (issue 10).
--
-- Attempts are counted per client address and account name, and failures per address (the row
-- whose username is ''), in windows: a stranger's wrong guesses slow down that address only, so
-- the owner signing in from elsewhere is never locked out. That replaces the lock on the
-- account itself (failed_logins, locked_until), which anyone could keep closed.
CREATE TABLE login_throttle (
    address      TEXT    NOT NULL,
    username     TEXT    NOT NULL,
    window_start TEXT    NOT NULL,
    attempts     INTEGER NOT NULL,
    PRIMARY KEY (address, username)
);
CREATE INDEX login_throttle_window ON login_throttle (window_start);

ALTER TABLE app_user DROP COLUMN failed_logins;
ALTER TABLE app_user DROP COLUMN locked_until;

-- Sessions end after a time without use (last_seen) and at most at expires_at; both are swept.
CREATE INDEX session_last_seen ON session (last_seen);
