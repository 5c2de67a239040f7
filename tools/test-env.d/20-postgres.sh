# 20-postgres.sh: starts the Debian PostgreSQL cluster for the server tests (suite
# 'server') and exports VIGIL_TEST_PG, a URI of a role that may create databases.
# Sourced by tools/test.sh; idempotent; installs nothing (tools/deps/server.txt lists
# postgresql). Works as root without systemd. Leaves VIGIL_TEST_PG unset when PostgreSQL
# cannot be started, and the PostgreSQL variants of the tests then skip.
vigil_pg_setup() {
	local ver port asuser
	command -v pg_lsclusters >/dev/null 2>&1 || return 0
	ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)
	[ -n "$ver" ] || return 0
	if [ "$(id -u)" -eq 0 ]; then
		asuser="runuser -u postgres --"
	else
		asuser="sudo -n -u postgres"
	fi
	if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$ver main"; then
		$asuser pg_createcluster "$ver" main >/dev/null 2>&1 ||
			pg_createcluster "$ver" main >/dev/null 2>&1 || return 0
	fi
	if ! pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
		pg_ctlcluster "$ver" main start >/dev/null 2>&1 || {
			echo "20-postgres: cannot start PostgreSQL $ver; PostgreSQL tests will skip"
			return 0
		}
	fi
	port=$(pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" {print $3}')
	for _ in $(seq 1 40); do
		$asuser psql -p "$port" -qAtc 'SELECT 1' >/dev/null 2>&1 && break
		sleep 0.25
	done
	$asuser psql -p "$port" -qAt >/dev/null 2>&1 <<'SQL' || return 0
DO $$ BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vigil_test') THEN
		CREATE ROLE vigil_test LOGIN CREATEDB PASSWORD 'vigil_test';
	END IF;
END $$;
SQL
	if ! $asuser psql -p "$port" -qAtc "SELECT 1 FROM pg_database WHERE datname = 'vigil_test'" 2>/dev/null | grep -q 1; then
		$asuser createdb -p "$port" -O vigil_test vigil_test >/dev/null 2>&1 || return 0
	fi
	export VIGIL_TEST_PG="postgresql://vigil_test:vigil_test@127.0.0.1:$port/vigil_test"
}
vigil_pg_setup
unset -f vigil_pg_setup
