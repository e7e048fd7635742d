-- What the annual report's late and returned list reads: a round's reports by state (those not
-- handed in, and those handed in after the due day), and the reports ever returned. Without
-- them the list scans every report of the year and looks up each one's events.
-- (0014 indexes (round_id, state) for the review queue; this one also covers the due day.)
CREATE INDEX report_round_state_submitted ON report (round_id, state, submitted_at);
CREATE INDEX report_event_action ON report_event (action, report_id);
