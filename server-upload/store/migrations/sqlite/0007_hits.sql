-- 0007_hits.sql (SQLite): every hit of a capture ("hits" of vigil.capture/1), in order.
-- start_byte/end_byte are byte offsets into the record's context, NULL when outside it.
-- A record without "hits" has none here: its reason is its one hit.
CREATE TABLE capture_hits (
	capture_id TEXT NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
	seq INTEGER NOT NULL,
	category TEXT NOT NULL,
	severity INTEGER NOT NULL,
	phrase TEXT NOT NULL,
	rule TEXT NOT NULL,
	matched TEXT NOT NULL,
	start_byte INTEGER,
	end_byte INTEGER,
	PRIMARY KEY (capture_id, seq)
);
CREATE INDEX capture_hits_category ON capture_hits (category, severity);
-- Retention and erasure delete captures: their hits go with them.
CREATE TRIGGER captures_hits_delete AFTER DELETE ON captures
BEGIN
	DELETE FROM capture_hits WHERE capture_id = OLD.id;
END;
