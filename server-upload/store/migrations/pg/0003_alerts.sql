-- 0003_alerts.sql (PostgreSQL): urgent alerts (docs/alerts.md). Times are milliseconds since
-- the epoch (UTC); school hours are minutes after local midnight, Monday to Friday.
CREATE TABLE alert_settings (
	school_id BIGINT PRIMARY KEY REFERENCES schools(id),
	threshold BIGINT NOT NULL DEFAULT 5,
	hours_start BIGINT NOT NULL DEFAULT 480,   -- 08:00
	hours_end BIGINT NOT NULL DEFAULT 990,     -- 16:30
	ack_minutes BIGINT NOT NULL DEFAULT 15,
	webhook TEXT,                               -- URL, NULL: none
	webhook_secret_file TEXT,                   -- 0600 file holding the HMAC key
	technician TEXT                             -- e-mail address for offline alarms
);
CREATE TABLE alert_contacts (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	school_id BIGINT NOT NULL REFERENCES schools(id),
	position BIGINT NOT NULL,                  -- order of escalation
	address TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('contact', 'escalate'))
);
CREATE INDEX alert_contacts_school ON alert_contacts (school_id, kind, position);
-- The outbox: one row per message to send. Rows of a capture are written by the trigger
-- below in the transaction that stores the capture.
CREATE TABLE alerts (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	capture_id TEXT,                            -- NULL for an offline alarm
	machine_id BIGINT,                         -- offline alarms
	school_id BIGINT NOT NULL,
	kind TEXT NOT NULL DEFAULT 'alert',         -- alert, escalation, offline, online
	channel TEXT NOT NULL,                      -- email, webhook
	target TEXT NOT NULL,                       -- address or URL
	status TEXT NOT NULL DEFAULT 'pending',     -- pending, sending, sent, failed
	attempts BIGINT NOT NULL DEFAULT 0,
	next_try BIGINT NOT NULL,
	claimed BIGINT,
	created BIGINT NOT NULL,
	sent BIGINT,
	last_error TEXT NOT NULL DEFAULT '',
	ack_token TEXT,                             -- SHA-256 hex of the link's secret
	acked BIGINT,
	acked_by TEXT,
	escalated BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX alerts_due ON alerts (status, next_try);
CREATE INDEX alerts_capture ON alerts (capture_id);
CREATE FUNCTION captures_alert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO alerts (capture_id, school_id, channel, target, next_try, created)
	SELECT NEW.id, NEW.school_id, 'email', c.address, NEW.received, NEW.received
	FROM alert_contacts c JOIN alert_settings s ON s.school_id = c.school_id
	WHERE c.school_id = NEW.school_id AND c.kind = 'contact' AND NEW.severity >= s.threshold
	ORDER BY c.position;
	INSERT INTO alerts (capture_id, school_id, channel, target, next_try, created)
	SELECT NEW.id, NEW.school_id, 'webhook', s.webhook, NEW.received, NEW.received
	FROM alert_settings s
	WHERE s.school_id = NEW.school_id AND s.webhook IS NOT NULL
	  AND NEW.severity >= s.threshold;
	RETURN NULL;
END;
$$;
CREATE TRIGGER captures_alert AFTER INSERT ON captures
	FOR EACH ROW EXECUTE FUNCTION captures_alert();
-- A capture deleted (retention, erasure) takes its outbox rows with it.
CREATE FUNCTION captures_alert_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM alerts WHERE capture_id = OLD.id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER captures_alert_delete AFTER DELETE ON captures
	FOR EACH ROW EXECUTE FUNCTION captures_alert_delete();
CREATE TABLE machine_alarms (
	machine_id BIGINT PRIMARY KEY,
	raised BIGINT NOT NULL,                    -- when the offline alarm went out
	seen BIGINT NOT NULL                       -- machines.last_seen then: a later one clears it
);
