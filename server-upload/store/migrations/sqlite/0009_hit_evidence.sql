-- 0009_hit_evidence.sql (SQLite): each hit's own evidence ("source", "context" and
-- "frame" of a hit in vigil.capture/1) and the capture's later screenshots ("frames").
-- source is the hit's, or the capture's when the hit has none (rows stored before this
-- migration take the capture's); context is NULL when the hit has none of its own (then
-- start_byte/end_byte point into the record's context); frame is NULL when not given,
-- 0 for the screenshot, n for the capture's frame n (capture_frames.seq n - 1).
ALTER TABLE capture_hits ADD COLUMN source TEXT;
ALTER TABLE capture_hits ADD COLUMN context TEXT;
ALTER TABLE capture_hits ADD COLUMN frame INTEGER;
UPDATE capture_hits SET source = (SELECT c.source FROM captures c WHERE c.id = capture_hits.capture_id);
-- A capture's further screenshots, in order (seq 0 is "frames"[0]); the PNG bytes are in
-- the image store under sha256, like the screenshot's.
CREATE TABLE capture_frames (
	capture_id TEXT NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
	seq INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	time INTEGER NOT NULL,
	width INTEGER NOT NULL,
	height INTEGER NOT NULL,
	PRIMARY KEY (capture_id, seq)
);
CREATE INDEX capture_frames_sha256 ON capture_frames (sha256);
-- Retention and erasure delete captures: their frames' rows go with them (the images
-- are removed by the caller once nothing shows them).
CREATE TRIGGER captures_frames_delete AFTER DELETE ON captures
BEGIN
	DELETE FROM capture_frames WHERE capture_id = OLD.id;
END;
