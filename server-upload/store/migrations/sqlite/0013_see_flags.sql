-- 0013_see_flags.sql (SQLite): which users see pupils' vulnerability flags (SEN, EHCP,
-- CLA, CP, CIN, EAL, PP from the roster). Headteachers always do; a moderator only when
-- given them (vigil-server user flags LOGIN yes).
ALTER TABLE users ADD COLUMN see_flags INTEGER NOT NULL DEFAULT 0;
