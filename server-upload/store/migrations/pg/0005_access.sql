-- 0005_access.sql (PostgreSQL): sign-in limits kept across restarts and servers, users
-- who have left, machines whose token was replaced by enrolling again.
CREATE TABLE login_limits (
	key TEXT PRIMARY KEY,           -- "l:LOGIN" or "a:ADDRESS"
	start BIGINT NOT NULL,          -- start of the counting window
	count BIGINT NOT NULL           -- attempts in the window (counted before checking)
);
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE machines ADD COLUMN replaced BIGINT NOT NULL DEFAULT 0;  -- token replacements
ALTER TABLE machines ADD COLUMN replaced_at BIGINT;                  -- the last one
