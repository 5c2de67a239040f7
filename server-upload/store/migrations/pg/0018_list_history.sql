-- 0018_list_history.sql (PostgreSQL): every saved version of a phrase list (who, when,
-- the text; a rollback names the version it restored) and the bundles served to
-- machines, so that a heartbeat's bundle version reads as a number and a date.
CREATE TABLE list_versions (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	school_id BIGINT NOT NULL DEFAULT 0,    -- 0: the shared lists
	file TEXT NOT NULL,
	body TEXT,                              -- NULL: the file was deleted
	author TEXT NOT NULL,
	saved BIGINT NOT NULL,
	action TEXT NOT NULL,                   -- 'save', 'rollback', 'delete', 'before'
	restored BIGINT                         -- a rollback: the version it brought back
);
CREATE INDEX list_versions_file ON list_versions (school_id, file, id);
CREATE TABLE list_bundles (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	version TEXT NOT NULL UNIQUE,           -- the bundle's 32 hex digits
	issued BIGINT NOT NULL,
	first_seen BIGINT NOT NULL
);
