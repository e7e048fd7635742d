-- The unit registry's contact for chasing reports (催报): the person who answers for the unit's
-- reports and an office telephone. Set by the office; shown on the chase list and its workbook.
ALTER TABLE unit ADD COLUMN contact_person TEXT;
ALTER TABLE unit ADD COLUMN contact_phone TEXT;
-- Rounds an office follows are found through the regions of their reports.
CREATE INDEX report_region_round ON report (region_code, round_id);
