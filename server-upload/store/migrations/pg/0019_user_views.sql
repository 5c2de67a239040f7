-- 0019_user_views.sql (PostgreSQL): the queue's search and each user's default view.
-- captures.words: the words the queue's search (q) looks in: the capture's context, then
-- each hit's matched words and its own context, one per line (ingest fills it; rows
-- stored before this migration get theirs from the record and capture_hits here).
ALTER TABLE captures ADD COLUMN words TEXT NOT NULL DEFAULT '';
UPDATE captures c SET words =
	COALESCE(CAST(c.record AS jsonb) ->> 'context', '') || chr(10) ||
	COALESCE(CAST(c.record AS jsonb) -> 'reason' ->> 'matched', '') ||
	COALESCE((SELECT string_agg(chr(10) || h.matched || chr(10) || COALESCE(h.context, ''), ''
	                            ORDER BY h.seq)
	          FROM capture_hits h WHERE h.capture_id = c.id), '');
-- The queue's choice of category, and a school's queue (its count and its order), from
-- indexes: a hit knows its capture's school (ingest fills it).
CREATE INDEX captures_category ON captures (school_id, category);
ALTER TABLE capture_hits ADD COLUMN school_id BIGINT;
UPDATE capture_hits h SET school_id = c.school_id FROM captures c WHERE c.id = h.capture_id;
CREATE INDEX capture_hits_school_category ON capture_hits (school_id, category);
CREATE INDEX captures_school_queue ON captures (school_id, status, severity, time);
-- One saved view of the queue per user: its filters as a query string (school=…&category=…),
-- which /captures opens with when it is given none.
CREATE TABLE user_views (
	user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	query TEXT NOT NULL,
	updated BIGINT NOT NULL
);
