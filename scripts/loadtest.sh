#!/usr/bin/env bash
# Load test: gunicorn (deploy/gunicorn.conf.py, DJANGO_DEBUG=0) on a COPY of the 100k-offering
# world, driven on loopback by wrk through `python -m tools.loadtest` (every endpoint for
# LOADTEST_PHASE_SECONDS with uniform, then skewed URL files), then gunicorn is stopped. Bounded in
# time.
#
#   scripts/loadtest.sh [--postgres] [extra loadtest options…]
#
# Environment: LOADTEST_DB (source SQLite world, default var/bench.sqlite3 — build it with
# `seed_demo --offerings 100000 --needs 10000`), LOADTEST_PORT (default 8100),
# GUNICORN_WORKERS (default: deploy/gunicorn.conf.py's, one per usable core),
# LOADTEST_PHASE_SECONDS (10, per endpoint and URL file),
# LOADTEST_CONCURRENCY (20), LOADTEST_CLIENT (wrk; `python` = the older Python client, which
# competes with the server for the cores — its mixed phase lasts LOADTEST_DURATION, 30 s),
# LOADTEST_LOG_LEVEL (WARNING; INFO logs every request and each index rebuild),
# LOADTEST_KEEP=1 keeps the work folder (gunicorn.log, db_worker.log, the world copy/export)
# and prints its path instead of deleting it on exit.
# --postgres: the same prepared world, every row of the SQLite copy (accounts and stored
# suggestions too: tools/loadtest/copy_world.py), copied into a throwaway cluster via
# scripts/with-postgres.sh, then the same load; pg_stat_activity is sampled every second
# meanwhile (tools/loadtest/pg_activity.py) and summarised at the end (autovacuum, waits).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PY="$ROOT/.venv/bin/python"
SRC="${LOADTEST_DB:-$ROOT/var/bench.sqlite3}"
PORT="${LOADTEST_PORT:-8100}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/loadtest.XXXXXX")"

POSTGRES=0
if [ "${1:-}" = "--postgres" ]; then POSTGRES=1; shift; fi

CLIENT="${LOADTEST_CLIENT:-wrk}"
if [ "$CLIENT" = wrk ] && ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        echo "loadtest: installing wrk (apt-get)" >&2
        apt-get install -y -q wrk >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
    else
        echo "loadtest: wrk is missing: apt-get install wrk (as root), or LOADTEST_CLIENT=python" >&2
        exit 1
    fi
fi
export CLIENT

export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')}"
export DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost"
export DJANGO_BENCH_VIEWS=1
export DJANGO_STATIC_ROOT="$WORK/static"
export DJANGO_VAR_DIR="$WORK/var"
export DJANGO_LOG_LEVEL="${LOADTEST_LOG_LEVEL:-WARNING}"
# Plain HTTP on loopback: no HTTPS redirect (the rest of the production settings stay on).
export DJANGO_SECURE_SSL_REDIRECT=0
export CONNECTION_DAILY_LIMIT_PER_ORG="${CONNECTION_DAILY_LIMIT_PER_ORG:-100000}"
# Suggestions for a posted need are computed by a background worker (as in production at this
# size), not inline in the request: LOADTEST_TASKS=immediate measures the inline variant.
export TASKS_BACKEND="${LOADTEST_TASKS:-database}"
export GUNICORN_BIND="127.0.0.1:$PORT"
# The deployment's own worker count unless told otherwise (printed in every table's title).
export GUNICORN_WORKERS="${GUNICORN_WORKERS:-$("$PY" -c 'import runpy; print(runpy.run_path("deploy/gunicorn.conf.py")["workers"])')}"
export GUNICORN_ACCESS_LOG=""
export GUNICORN_ERROR_LOG="$WORK/gunicorn.log"
mkdir -p "$DJANGO_VAR_DIR"

GUNICORN_PID=""
WORKER_PID=""
WARM_WORKER='
import time
from matchmaking.listings.models import Need
from matchmaking.matching.tasks import refresh_need_suggestions
need = Need.objects.open().order_by("-pk").first()
result = refresh_need_suggestions.enqueue(need.pk)
deadline = time.monotonic() + 600
while time.monotonic() < deadline:
    result.refresh()
    if result.is_finished:
        break
    time.sleep(1)
print(f"loadtest: worker warm ({result.status})")
'
export WARM_WORKER
cleanup() {
    local code=$?
    if [ -n "$WORKER_PID" ]; then kill -TERM "$WORKER_PID" 2>/dev/null || true; fi
    if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill -TERM "$GUNICORN_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$GUNICORN_PID" 2>/dev/null || true
    fi
    [ -f "$WORK/gunicorn.log" ] && grep -E "ERROR|Traceback|CRITICAL" "$WORK/gunicorn.log" | head -20 >&2 || true
    if [ "${LOADTEST_KEEP:-0}" = 1 ]; then
        echo "loadtest: kept $WORK (gunicorn.log, db_worker.log)" >&2
    else
        rm -rf "$WORK"
    fi
    exit "$code"
}
trap cleanup EXIT

stop_servers() {
    if [ -n "$GUNICORN_PID" ]; then kill -TERM "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; fi
    if [ -n "$WORKER_PID" ]; then
        # db_worker finishes its task in progress before stopping — its first one builds the
        # matching engine (minutes at 100k): the refreshes are idempotent, so 10 s, then KILL.
        kill -TERM "$WORKER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$WORKER_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$WORKER_PID" 2>/dev/null || true
        wait "$WORKER_PID" 2>/dev/null || true
    fi
    GUNICORN_PID=""; WORKER_PID=""
}

run_load() {  # label
    "$PY" manage.py collectstatic --noinput -v 0
    "$ROOT/.venv/bin/gunicorn" -c deploy/gunicorn.conf.py matchmaking.wsgi:application &
    GUNICORN_PID=$!
    if [ "$TASKS_BACKEND" = database ]; then
        "$PY" manage.py db_worker --no-reload --interval 0.5 >"$WORK/db_worker.log" 2>&1 &
        WORKER_PID=$!
        # Steady state, as in production: the worker loads the matching engine once (~2 min at
        # 100k offerings) before the load, not on the first need posted during it.
        "$PY" manage.py shell -v 0 -c "$WARM_WORKER" || echo "loadtest: worker warm-up failed" >&2
    fi
    local ready=0
    for _ in $(seq 1 300); do  # up to 60 s: preload + browse-index warm-up come first
        if curl -fsS -m 5 "http://$GUNICORN_BIND/_bench/plain" >/dev/null 2>"$WORK/curl.err"; then ready=1; break; fi
        sleep 0.2
    done
    if [ "$ready" = 0 ]; then
        echo "loadtest: gunicorn did not answer: $(cat "$WORK/curl.err")" >&2; tail -30 "$WORK/gunicorn.log" >&2
        stop_servers; return 1
    fi
    sleep 2  # let every worker finish booting
    echo "loadtest: load starts at $(date +%H:%M:%S)"
    set +e
    timeout 1800 "$PY" -m tools.loadtest --url "http://$GUNICORN_BIND" --client "$CLIENT" \
        --phase-seconds "${LOADTEST_PHASE_SECONDS:-10}" \
        --duration "${LOADTEST_DURATION:-30}" --concurrency "${LOADTEST_CONCURRENCY:-20}" \
        --label "$1, $GUNICORN_WORKERS gunicorn workers" "${@:2}"
    local status=$?
    set -e
    stop_servers
    return $status
}

# The world plus the load users (each posting a need computes its suggestions inline —
# TASKS_BACKEND=immediate — so the owners' suggestion panels are filled as in production:
# ~2 min for 20 users at 100k offerings) is prepared once and reused; every run loads a copy.
PREPARED="${LOADTEST_PREPARED:-${TMPDIR:-/tmp}/loadtest-world.sqlite3}"
if [ ! -f "$PREPARED" ] || [ "$SRC" -nt "$PREPARED" ]; then
    echo "loadtest: preparing $PREPARED from $SRC"
    cp "$SRC" "$PREPARED.part"
    DJANGO_SQLITE_PATH="$PREPARED.part" "$PY" manage.py migrate --noinput -v 0
    DJANGO_SQLITE_PATH="$PREPARED.part" TASKS_BACKEND=immediate "$PY" -m tools.loadtest --prepare-only
    DJANGO_SQLITE_PATH="$PREPARED.part" "$PY" -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA wal_checkpoint(TRUNCATE)')" "$PREPARED.part"
    mv "$PREPARED.part" "$PREPARED"
fi
cp "$PREPARED" "$WORK/load.sqlite3"
export DJANGO_SQLITE_PATH="$WORK/load.sqlite3"
"$PY" manage.py migrate --noinput -v 0

if [ "$POSTGRES" = 0 ]; then
    run_load "SQLite" "$@"
else
    EXTRA=("$@")
    export -f run_load stop_servers
    export PY ROOT WORK
    "$ROOT/scripts/with-postgres.sh" bash -c '
        set -euo pipefail
        GUNICORN_PID=""; WORKER_PID=""
        trap stop_servers EXIT
        cd "$ROOT"
        unset DJANGO_SQLITE_PATH
        "$PY" manage.py migrate --noinput -v 0
        # Every row of the prepared SQLite world (accounts, load users, stored suggestions,
        # connections): the same signed-in users and pages as the SQLite run.
        "$PY" -m tools.loadtest --copy-world-from "$WORK/load.sqlite3"
        # What the server does meanwhile (autovacuum, waits), one sample a second.
        "$PY" -m tools.loadtest.pg_activity "$WORK/pg_activity.jsonl" &
        SAMPLER=$!
        status=0
        run_load "PostgreSQL" "$@" || status=$?
        kill -TERM "$SAMPLER" 2>/dev/null || true
        wait "$SAMPLER" 2>/dev/null || true
        "$PY" -m tools.loadtest.pg_activity --summary "$WORK/pg_activity.jsonl" || true
        exit "$status"
    ' _ "${EXTRA[@]}"
fi
