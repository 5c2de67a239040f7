-- 0007_hits.sql (PostgreSQL): every hit of a capture ("hits" of vigil.capture/1), in order.
-- start_byte/end_byte are byte offsets into the record's context, NULL when outside it.
-- A record without "hits" has none here: its reason is its one hit.
CREATE TABLE capture_hits (
	capture_id TEXT NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
	seq BIGINT NOT NULL,
	category TEXT NOT NULL,
	severity BIGINT NOT NULL,
	phrase TEXT NOT NULL,
	rule TEXT NOT NULL,
	matched TEXT NOT NULL,
	start_byte BIGINT,
	end_byte BIGINT,
	PRIMARY KEY (capture_id, seq)
);
CREATE INDEX capture_hits_category ON capture_hits (category, severity);
