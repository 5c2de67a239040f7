-- 0006_sessions.sql (SQLite): the graphical sessions each machine reported in its latest
-- heartbeat (JSON array, as `vigil-server machines` prints it), and one technician alarm
-- per unmonitored session.
ALTER TABLE machines ADD COLUMN sessions TEXT;
ALTER TABLE alerts ADD COLUMN detail TEXT;          -- what an alarm is about
CREATE TABLE session_alarms (
	machine_id INTEGER NOT NULL,
	session TEXT NOT NULL,                      -- the session's id on the machine
	raised INTEGER NOT NULL,                    -- when the alarm went out
	PRIMARY KEY (machine_id, session)
);
