-- 0019_user_views.sql (SQLite): the queue's search and each user's default view.
-- captures.words: the words the queue's search (q) looks in: the capture's context, then
-- each hit's matched words and its own context, one per line (ingest fills it; rows
-- stored before this migration get theirs from the record and capture_hits here).
ALTER TABLE captures ADD COLUMN words TEXT NOT NULL DEFAULT '';
UPDATE captures SET words =
	COALESCE(json_extract(record, '$.context'), '') || char(10) ||
	COALESCE(json_extract(record, '$.reason.matched'), '') ||
	COALESCE((SELECT group_concat(char(10) || h.matched || char(10) || COALESCE(h.context, ''), '')
	          FROM capture_hits h WHERE h.capture_id = captures.id), '')
	WHERE json_valid(record);
-- The queue's choice of category, and a school's queue (its count and its order), from
-- indexes: a hit knows its capture's school (ingest fills it).
CREATE INDEX captures_category ON captures (school_id, category);
ALTER TABLE capture_hits ADD COLUMN school_id INTEGER;
UPDATE capture_hits SET school_id = (SELECT c.school_id FROM captures c WHERE c.id = capture_hits.capture_id);
CREATE INDEX capture_hits_school_category ON capture_hits (school_id, category);
CREATE INDEX captures_school_queue ON captures (school_id, status, severity, time);
-- One saved view of the queue per user: its filters as a query string (school=…&category=…),
-- which /captures opens with when it is given none.
CREATE TABLE user_views (
	user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	query TEXT NOT NULL,
	updated INTEGER NOT NULL
);
