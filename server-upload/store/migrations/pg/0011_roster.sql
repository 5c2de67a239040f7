-- 0011_roster.sql (PostgreSQL): each school's pupils from its MIS export or directory
-- (vigil-server roster import / roster sync): names, year and registration group and
-- vulnerability flags, keyed by the login the agents report (lower case). A pupil missing
-- from the latest import is a leaver: current = 0 and left set, kept for retention.
CREATE TABLE pupils (
	id BIGSERIAL PRIMARY KEY,
	school_id BIGINT NOT NULL REFERENCES schools(id),
	login TEXT NOT NULL,
	given_name TEXT NOT NULL DEFAULT '',
	family_name TEXT NOT NULL DEFAULT '',
	preferred_name TEXT NOT NULL DEFAULT '',
	year_group TEXT NOT NULL DEFAULT '',
	reg_group TEXT NOT NULL DEFAULT '',
	flags TEXT NOT NULL DEFAULT '',       -- "CLA;CP", in the order SEN;EHCP;CLA;CP;CIN;EAL;PP
	current INTEGER NOT NULL DEFAULT 1,
	added BIGINT NOT NULL,
	updated BIGINT NOT NULL,
	left_time BIGINT,                    -- when an import first missed the pupil
	UNIQUE (school_id, login)
);
CREATE INDEX pupils_year ON pupils (school_id, year_group);
