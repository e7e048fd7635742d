-- The plans' 竞赛 targets count submitted attempts by village (kesu_store::citizens::feed): a
-- region's count is a range over its villages' codes, read from this index alone.
CREATE INDEX quiz_attempt_village ON quiz_attempt (region_code, submitted_at, test_id);
