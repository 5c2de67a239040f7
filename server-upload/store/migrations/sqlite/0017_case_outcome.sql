-- 0017_case_outcome.sql: reserved for who has a capture, its outcome and its closing.
SELECT 1;
