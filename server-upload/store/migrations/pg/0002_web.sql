-- 0002_web.sql (PostgreSQL): web sessions, moderation decisions and notes, audit log,
-- hidden images. Times are milliseconds since the epoch (UTC).
ALTER TABLE captures ADD COLUMN decided BIGINT;          -- first decision (moderation time)
ALTER TABLE captures ADD COLUMN status_by TEXT;           -- login of the last status change
ALTER TABLE captures ADD COLUMN status_time BIGINT;
ALTER TABLE captures ADD COLUMN image_hidden INTEGER NOT NULL DEFAULT 0;
CREATE INDEX captures_queue ON captures (status, severity, time);
CREATE INDEX captures_time ON captures (time);
CREATE INDEX captures_image ON captures (image_sha256);
CREATE TABLE sessions (
	id_hash TEXT PRIMARY KEY,       -- SHA-256 hex of the cookie value
	user_id BIGINT NOT NULL REFERENCES users(id),
	csrf TEXT NOT NULL,
	created BIGINT NOT NULL,
	expires BIGINT NOT NULL
);
CREATE TABLE capture_events (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	capture_id TEXT NOT NULL,
	time BIGINT NOT NULL,
	login TEXT NOT NULL,
	action TEXT NOT NULL,           -- concern, false-positive, escalated, note, hide-image
	text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX capture_events_capture ON capture_events (capture_id, time);
CREATE TABLE audit (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time BIGINT NOT NULL,
	login TEXT NOT NULL,            -- a web user, or "system" for scheduled jobs
	school_id BIGINT,              -- NULL: not about one school
	action TEXT NOT NULL,
	capture_id TEXT,
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_time ON audit (time);
