-- 0012_admin.sql (SQLite): the admin role (users, alert settings and the roster of a
-- school, or of every school). SQLite cannot change a CHECK constraint in place, so the
-- users table is made again with the same rows; the sessions that point at it are kept.
CREATE TABLE sessions_keep AS SELECT * FROM sessions;
DELETE FROM sessions;
CREATE TABLE users_new (
	id INTEGER PRIMARY KEY,
	login TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL CHECK (role IN ('moderator', 'headteacher', 'technician', 'admin')),
	school_id INTEGER REFERENCES schools(id),
	password_hash TEXT NOT NULL,
	created INTEGER NOT NULL,
	email TEXT,
	disabled INTEGER NOT NULL DEFAULT 0
);
INSERT INTO users_new (id, login, role, school_id, password_hash, created, email, disabled)
	SELECT id, login, role, school_id, password_hash, created, email, disabled FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
INSERT INTO sessions SELECT * FROM sessions_keep;
DROP TABLE sessions_keep;
