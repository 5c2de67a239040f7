-- 0015_oidc.sql (SQLite): staff sign-in with the school's OpenID Connect provider. Each
-- sign-in started at /login/oidc waits here until its callback, which takes it (once):
-- the SHA-256 of its state, its nonce and its PKCE verifier.
CREATE TABLE oidc_states (
	state_hash TEXT PRIMARY KEY,
	nonce TEXT NOT NULL,
	verifier TEXT NOT NULL,
	created INTEGER NOT NULL,
	expires INTEGER NOT NULL
);
