-- 0004_moderation.sql (PostgreSQL): pupils' timelines, staff e-mail addresses, the Monday e-mail.
-- Times are milliseconds since the epoch (UTC).
CREATE INDEX captures_pupil ON captures (school_id, user_name, time);
ALTER TABLE users ADD COLUMN email TEXT;       -- NULL: none; headteachers get the Monday e-mail
ALTER TABLE alerts ADD COLUMN week TEXT;       -- kind 'digest': the ISO week summarised
-- One row per school and week whose summary was queued by the schedule (several servers
-- sharing the database queue it once).
CREATE TABLE digests (
	school_id BIGINT NOT NULL REFERENCES schools(id),
	week TEXT NOT NULL,
	queued BIGINT NOT NULL,
	PRIMARY KEY (school_id, week)
);
