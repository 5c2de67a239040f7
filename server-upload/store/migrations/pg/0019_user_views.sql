-- 0019_user_views.sql: reserved for each user's default queue view.
SELECT 1;
