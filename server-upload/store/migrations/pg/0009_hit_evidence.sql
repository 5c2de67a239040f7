-- 0009_hit_evidence.sql (PostgreSQL): each hit's own evidence ("source", "context" and
-- "frame" of a hit in vigil.capture/1) and the capture's later screenshots ("frames").
-- source is the hit's, or the capture's when the hit has none (rows stored before this
-- migration take the capture's); context is NULL when the hit has none of its own (then
-- start_byte/end_byte point into the record's context); frame is NULL when not given,
-- 0 for the screenshot, n for the capture's frame n (capture_frames.seq n - 1).
ALTER TABLE capture_hits ADD COLUMN source TEXT;
ALTER TABLE capture_hits ADD COLUMN context TEXT;
ALTER TABLE capture_hits ADD COLUMN frame BIGINT;
UPDATE capture_hits h SET source = c.source FROM captures c WHERE c.id = h.capture_id;
-- A capture's further screenshots, in order (seq 0 is "frames"[0]); the PNG bytes are in
-- the image store under sha256, like the screenshot's.
CREATE TABLE capture_frames (
	capture_id TEXT NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
	seq BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	time BIGINT NOT NULL,
	width BIGINT NOT NULL,
	height BIGINT NOT NULL,
	PRIMARY KEY (capture_id, seq)
);
CREATE INDEX capture_frames_sha256 ON capture_frames (sha256);
