-- 0005_access.sql (SQLite): sign-in limits kept across restarts and servers, users who
-- have left, machines whose token was replaced by enrolling again.
CREATE TABLE login_limits (
	key TEXT PRIMARY KEY,           -- "l:LOGIN" or "a:ADDRESS"
	start INTEGER NOT NULL,         -- start of the counting window
	count INTEGER NOT NULL          -- attempts in the window (counted before checking)
);
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE machines ADD COLUMN replaced INTEGER NOT NULL DEFAULT 0;  -- token replacements
ALTER TABLE machines ADD COLUMN replaced_at INTEGER;                  -- the last one
