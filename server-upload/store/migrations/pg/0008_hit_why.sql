-- 0008_hit_why.sql (PostgreSQL): what changed a hit's severity ("base_severity", "why"
-- and "context_rule" of a hit in vigil.capture/1), NULL when context did not lower it.
ALTER TABLE capture_hits ADD COLUMN base_severity BIGINT;
ALTER TABLE capture_hits ADD COLUMN why TEXT;
ALTER TABLE capture_hits ADD COLUMN context_rule TEXT;
