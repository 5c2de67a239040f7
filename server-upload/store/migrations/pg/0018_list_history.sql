-- 0018_list_history.sql: reserved for the phrase lists' history.
SELECT 1;
