-- 0012_admin.sql (PostgreSQL): the admin role (users, alert settings and the roster of a
-- school, or of every school).
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
	CHECK (role IN ('moderator', 'headteacher', 'technician', 'admin'));
