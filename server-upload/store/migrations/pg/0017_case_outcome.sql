-- 0017_case_outcome.sql (PostgreSQL): who has a capture, its outcome and its closing.
-- Logins as in capture_events and status_by; times are milliseconds since the epoch (UTC).
-- A capture is closed while closed_time is set; reopening clears closed_time and
-- closed_by and keeps the last outcome and note (the history has every one).
ALTER TABLE captures ADD COLUMN assignee TEXT;       -- NULL: nobody has it
ALTER TABLE captures ADD COLUMN assigned_by TEXT;
ALTER TABLE captures ADD COLUMN assigned_time BIGINT;
ALTER TABLE captures ADD COLUMN outcome TEXT;        -- a key of report/outcome.c
ALTER TABLE captures ADD COLUMN outcome_note TEXT;
ALTER TABLE captures ADD COLUMN closed_by TEXT;
ALTER TABLE captures ADD COLUMN closed_time BIGINT; -- NULL: open
-- The weekly report counts a school's captures closed in a week by outcome.
CREATE INDEX captures_school_closed ON captures (school_id, closed_time);
