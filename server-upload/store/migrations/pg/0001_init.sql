-- 0001_init.sql (PostgreSQL): schools, machines, captures, web users.
-- Times are milliseconds since the epoch (UTC). Secrets are stored only as SHA-256 hex
-- (enrolment keys, machine tokens) or Argon2id strings (passwords).
CREATE TABLE schools (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	key_hash TEXT NOT NULL UNIQUE,
	revoked BOOLEAN NOT NULL DEFAULT FALSE,
	created BIGINT NOT NULL
);
CREATE TABLE machines (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	school_id BIGINT NOT NULL REFERENCES schools(id),
	name TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	revoked BOOLEAN NOT NULL DEFAULT FALSE,
	enrolled BIGINT NOT NULL,
	last_seen BIGINT,
	version TEXT,
	wordlists TEXT,
	spooled BIGINT,
	dropped BIGINT,
	UNIQUE (school_id, name)
);
CREATE TABLE captures (
	id TEXT PRIMARY KEY,
	school_id BIGINT NOT NULL REFERENCES schools(id),
	machine_id BIGINT NOT NULL REFERENCES machines(id),
	time BIGINT NOT NULL,
	received BIGINT NOT NULL,
	category TEXT NOT NULL,
	severity INTEGER NOT NULL,
	source TEXT NOT NULL,
	user_name TEXT NOT NULL,
	image_sha256 TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'new',
	record TEXT NOT NULL
);
CREATE INDEX captures_received ON captures (received);
CREATE INDEX captures_school_time ON captures (school_id, time);
CREATE TABLE users (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	login TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL CHECK (role IN ('moderator', 'headteacher', 'technician')),
	school_id BIGINT REFERENCES schools(id),
	password_hash TEXT NOT NULL,
	created BIGINT NOT NULL
);
