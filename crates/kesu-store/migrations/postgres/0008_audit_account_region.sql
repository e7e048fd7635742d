-- Audit rows about an account are filed under the account's region, so that an office reads only
-- the sign-ins, password changes and lockouts of its own people (`audit::record` does this for
-- new rows). Older rows get it here: `user:N` is account N; `session:N` (ended by its user) is
-- the acting account.
UPDATE audit_log
SET region_code = (SELECT u.region_code FROM app_user u
                   WHERE 'user:' || CAST(u.id AS TEXT) = audit_log.object)
WHERE region_code IS NULL AND object LIKE 'user:%';

UPDATE audit_log
SET region_code = (SELECT u.region_code FROM app_user u WHERE u.username = audit_log.actor)
WHERE region_code IS NULL AND object LIKE 'session:%';
