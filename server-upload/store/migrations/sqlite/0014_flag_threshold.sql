-- 0014_flag_threshold.sql (SQLite): a school may alert sooner for pupils with chosen roster
-- flags (vigil-server school alerts NAME --flag-threshold 3 --flags CP,CLA): a capture of
-- a current pupil with one of those flags alerts from flag_threshold, others from
-- threshold. The alert still names no pupil.
ALTER TABLE alert_settings ADD COLUMN flag_threshold INTEGER;      -- NULL: none
ALTER TABLE alert_settings ADD COLUMN flags TEXT NOT NULL DEFAULT ''; -- "CLA;CP"
DROP TRIGGER captures_alert;
CREATE TRIGGER captures_alert AFTER INSERT ON captures
BEGIN
	INSERT INTO alerts (capture_id, school_id, channel, target, next_try, created)
	SELECT NEW.id, NEW.school_id, 'email', c.address, NEW.received, NEW.received
	FROM alert_contacts c JOIN alert_settings s ON s.school_id = c.school_id
	WHERE c.school_id = NEW.school_id AND c.kind = 'contact' AND (NEW.severity >= s.threshold OR (s.flag_threshold IS NOT NULL
		AND NEW.severity >= s.flag_threshold AND EXISTS (SELECT 1 FROM pupils p
		WHERE p.school_id = NEW.school_id AND p.login = LOWER(NEW.user_name) AND p.current = 1
		AND ((';' || s.flags || ';' LIKE '%;SEN;%' AND ';' || p.flags || ';' LIKE '%;SEN;%')
		OR (';' || s.flags || ';' LIKE '%;EHCP;%' AND ';' || p.flags || ';' LIKE '%;EHCP;%')
		OR (';' || s.flags || ';' LIKE '%;CLA;%' AND ';' || p.flags || ';' LIKE '%;CLA;%')
		OR (';' || s.flags || ';' LIKE '%;CP;%' AND ';' || p.flags || ';' LIKE '%;CP;%')
		OR (';' || s.flags || ';' LIKE '%;CIN;%' AND ';' || p.flags || ';' LIKE '%;CIN;%')
		OR (';' || s.flags || ';' LIKE '%;EAL;%' AND ';' || p.flags || ';' LIKE '%;EAL;%')
		OR (';' || s.flags || ';' LIKE '%;PP;%' AND ';' || p.flags || ';' LIKE '%;PP;%')))))
	ORDER BY c.position;
	INSERT INTO alerts (capture_id, school_id, channel, target, next_try, created)
	SELECT NEW.id, NEW.school_id, 'webhook', s.webhook, NEW.received, NEW.received
	FROM alert_settings s
	WHERE s.school_id = NEW.school_id AND s.webhook IS NOT NULL AND (NEW.severity >= s.threshold OR (s.flag_threshold IS NOT NULL
		AND NEW.severity >= s.flag_threshold AND EXISTS (SELECT 1 FROM pupils p
		WHERE p.school_id = NEW.school_id AND p.login = LOWER(NEW.user_name) AND p.current = 1
		AND ((';' || s.flags || ';' LIKE '%;SEN;%' AND ';' || p.flags || ';' LIKE '%;SEN;%')
		OR (';' || s.flags || ';' LIKE '%;EHCP;%' AND ';' || p.flags || ';' LIKE '%;EHCP;%')
		OR (';' || s.flags || ';' LIKE '%;CLA;%' AND ';' || p.flags || ';' LIKE '%;CLA;%')
		OR (';' || s.flags || ';' LIKE '%;CP;%' AND ';' || p.flags || ';' LIKE '%;CP;%')
		OR (';' || s.flags || ';' LIKE '%;CIN;%' AND ';' || p.flags || ';' LIKE '%;CIN;%')
		OR (';' || s.flags || ';' LIKE '%;EAL;%' AND ';' || p.flags || ';' LIKE '%;EAL;%')
		OR (';' || s.flags || ';' LIKE '%;PP;%' AND ';' || p.flags || ';' LIKE '%;PP;%')))));
END;
