-- 0016_totp.sql (SQLite): the second factor of a password sign-in (TOTP, RFC 6238):
-- the user's base32 secret (NULL: none; admins need one) and the time step of the last
-- code accepted (each code signs in once).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last INTEGER;
