#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 cluster, then remove the cluster.
#
#   scripts/with-postgres.sh CMD [ARGS…]
#
# The cluster lives in a temporary folder, listens on 127.0.0.1 on a free port (and on a unix
# socket inside the folder), trusts local connections and is tuned for speed, not durability.
# CMD runs with DATABASE_URL=postgres://postgres@127.0.0.1:PORT/matchmaking set. The cluster
# is stopped and deleted when the command ends, whatever its outcome; CMD's exit code is kept.
#
# Environment: PG_BIN (default /usr/lib/postgresql/15/bin), PG_DB (default matchmaking).
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_DB="${PG_DB:-matchmaking}"

if [ "$#" -eq 0 ]; then
    echo "usage: $0 CMD [ARGS…]" >&2
    exit 2
fi
if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
    echo "with-postgres: no PostgreSQL server binaries in $PG_BIN (Debian: apt-get install postgresql-15)" >&2
    exit 3
fi

# initdb and pg_ctl refuse to run as root: as root the cluster belongs to the postgres user.
as_owner() { "$@"; }
OWNER="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        echo "with-postgres: running as root but there is no 'postgres' user to own the cluster" >&2
        exit 3
    fi
    OWNER=postgres
    as_owner() { runuser -u postgres -- "$@"; }
fi

PG_TMP="$(mktemp -d "${TMPDIR:-/tmp}/matchmaking-pg.XXXXXX")"
chmod 755 "$PG_TMP"
mkdir -p "$PG_TMP/socket"
chown -R "$OWNER" "$PG_TMP"

cleanup() {
    local code=$?
    if [ -f "$PG_TMP/data/postmaster.pid" ]; then
        as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_TMP"
    exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A private (lower-case) name: an exported PORT of the caller (scripts/loadtest.sh) would
# otherwise keep its export flag, and CMD would see PORT = the cluster's port.
pg_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

echo "with-postgres: initdb in $PG_TMP (port $pg_port)"
as_owner "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$PG_TMP/initdb.log" 2>&1 || {
    # Some systems lack the C.UTF-8 locale; plain C works everywhere.
    rm -rf "$PG_TMP/data"
    as_owner "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 --locale=C \
        >"$PG_TMP/initdb.log" 2>&1 || { cat "$PG_TMP/initdb.log" >&2; exit 1; }
}
as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $PG_TMP/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
    start >/dev/null || { cat "$PG_TMP/server.log" >&2; exit 1; }
as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "$PG_DB"

export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/$PG_DB"
echo "with-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') ready; DATABASE_URL=$DATABASE_URL"

set +e
"$@"
status=$?
set -e
echo "with-postgres: command exited with $status; removing the cluster"
exit "$status"
