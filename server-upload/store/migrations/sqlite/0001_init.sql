-- 0001_init.sql (SQLite): schools, machines, captures, web users.
-- Times are milliseconds since the epoch (UTC). Secrets are stored only as SHA-256 hex
-- (enrolment keys, machine tokens) or Argon2id strings (passwords).
CREATE TABLE schools (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	key_hash TEXT NOT NULL UNIQUE,
	revoked INTEGER NOT NULL DEFAULT 0,
	created INTEGER NOT NULL
);
CREATE TABLE machines (
	id INTEGER PRIMARY KEY,
	school_id INTEGER NOT NULL REFERENCES schools(id),
	name TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	revoked INTEGER NOT NULL DEFAULT 0,
	enrolled INTEGER NOT NULL,
	last_seen INTEGER,
	version TEXT,
	wordlists TEXT,
	spooled INTEGER,
	dropped INTEGER,
	UNIQUE (school_id, name)
);
CREATE TABLE captures (
	id TEXT PRIMARY KEY,
	school_id INTEGER NOT NULL REFERENCES schools(id),
	machine_id INTEGER NOT NULL REFERENCES machines(id),
	time INTEGER NOT NULL,
	received INTEGER NOT NULL,
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
	id INTEGER PRIMARY KEY,
	login TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL CHECK (role IN ('moderator', 'headteacher', 'technician')),
	school_id INTEGER REFERENCES schools(id),
	password_hash TEXT NOT NULL,
	created INTEGER NOT NULL
);
