-- 0020_reason_rule.sql (PostgreSQL): the rule and phrase of each capture's reason, in
-- columns, so that the phrase lists' false-positive rates are counted from an index rather
-- than by reading every record (ingest fills them; earlier rows get theirs from the record).
ALTER TABLE captures ADD COLUMN reason_rule TEXT NOT NULL DEFAULT '';
ALTER TABLE captures ADD COLUMN reason_phrase TEXT NOT NULL DEFAULT '';
UPDATE captures c SET
	reason_rule = COALESCE(CAST(c.record AS jsonb) -> 'reason' ->> 'rule', ''),
	reason_phrase = COALESCE(CAST(c.record AS jsonb) -> 'reason' ->> 'phrase', '');
CREATE INDEX captures_reason ON captures (school_id, reason_rule, reason_phrase, status);
