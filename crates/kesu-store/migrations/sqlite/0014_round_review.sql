-- Review belongs to the round's office; a round may ask for 县级初审 (the county office checks its
-- county's reports and passes them up before the round's office reviews them). A round can be
-- closed by its office: no unit writes in it after that.
ALTER TABLE reporting_round ADD COLUMN county_check INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reporting_round ADD COLUMN closed_at TEXT;
ALTER TABLE reporting_round ADD COLUMN closed_by TEXT;
-- The late and returned lists and the to-do lists read reports by state within a round.
CREATE INDEX report_round_state ON report (round_id, state);
