#!/usr/bin/env bash
# Command 2: install everything the tests need and run the whole suite.
#
#   ./scripts/test.sh
#
# 1. .venv (machine's python3) + requirements-dev.txt
# 2. Debian's chromium + fonts-noto-cjk for the browser tests (apt, when running as root)
# 2b. axe-core for the browser tests (npm ci in tests/browser/axe)
# 3. ruff check, lint-imports (the floors, .importlinter), makemigrations --check, manage.py check
# 4. the whole pytest suite on SQLite, browser tests included
# 5. the suite again on a throwaway PostgreSQL 15 cluster (scripts/with-postgres.sh),
#    browser tests excluded
# Exits non-zero if any step fails; prints a summary with durations.
# SKIP_POSTGRES=1 skips step 5. Extra arguments are passed to both pytest runs.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
CHROMIUM="/usr/bin/chromium"
PYTEST_ARGS=(-p no:cacheprovider --durations=5 "$@")
started=$SECONDS
steps=()
failed=0

record() {  # record NAME STATUS SECONDS
    steps+=("$(printf '%-40s %-8s %5ss' "$1" "$2" "$3")")
    [ "$2" = "FAILED" ] && failed=1
    return 0
}

run_step() {  # run_step NAME CMD… — runs CMD, records its outcome; pytest's 5 (no tests) is OK
    local name="$1"
    shift
    say "$name"
    note "\$ $(printf '%q ' "$@")"
    local t0=$SECONDS status
    "$@"
    status=$?
    if [ "$status" -eq 5 ] && [[ "$*" == *pytest* ]]; then
        note "pytest collected no tests (exit 5) — counted as passed"
        status=0
    fi
    if [ "$status" -eq 0 ]; then
        record "$name" "ok" $((SECONDS - t0))
    else
        note "failed with exit code $status"
        record "$name" "FAILED" $((SECONDS - t0))
    fi
}

# --- 1. Python environment -------------------------------------------------------------------
t0=$SECONDS
say "Python environment"
ensure_venv
ensure_requirements requirements-dev.txt
maybe_compile_messages
record "python environment" "ok" $((SECONDS - t0))

# --- 2. System packages ------------------------------------------------------------------------
t0=$SECONDS
say "System packages (chromium, fonts-noto-cjk, gettext, wrk, PostgreSQL 15 server)"
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
if command -v dpkg >/dev/null 2>&1; then
    dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
fi
[ -x "$PG_BIN/initdb" ] || missing+=(postgresql-15)
command -v xgettext >/dev/null 2>&1 || missing+=(gettext)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)  # the load-test tool's tests drive wrk
if [ "${#missing[@]}" -eq 0 ]; then
    note "all present"
elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    note "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
        note "warning: apt-get install ${missing[*]} failed"
    fi
else
    note "missing: ${missing[*]}"
    note "install them with: sudo apt-get install ${missing[*]}"
    note "(without chromium the browser tests are skipped locally and FAIL when CI=true;"
    note " without PostgreSQL 15 the PostgreSQL run is skipped)"
fi
[ -x "$CHROMIUM" ] && note "$("$CHROMIUM" --version 2>/dev/null | head -1)"
record "system packages" "ok" $((SECONDS - t0))

# --- 2b. Browser-test tools from npm (axe-core, injected by the browser tests only) ----------
t0=$SECONDS
AXE_DIR="$ROOT/tests/browser/axe"
say "Browser-test tools (npm ci in tests/browser/axe)"
if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    note "installing nodejs and npm (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null 2>&1 \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } \
        || note "warning: apt-get install nodejs npm failed"
fi
if [ -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
    note "axe-core already installed"
    record "browser-test tools (npm)" "ok" $((SECONDS - t0))
elif command -v npm >/dev/null 2>&1; then
    if (cd "$AXE_DIR" && npm ci --no-audit --no-fund --silent); then
        record "browser-test tools (npm)" "ok" $((SECONDS - t0))
    else
        note "npm ci failed in tests/browser/axe"
        record "browser-test tools (npm)" "FAILED" $((SECONDS - t0))
    fi
else
    note "npm not found: install Node.js 18+ and npm (the browser tests need axe-core)"
    record "browser-test tools (npm)" "FAILED" $((SECONDS - t0))
fi

# --- 3. Static checks ------------------------------------------------------------------------
mkdir -p "$ROOT/var"  # the default SQLite file's folder (makemigrations looks at the database)
run_step "ruff check" "$VENV/bin/ruff" check .
run_step "lint-imports (floors)" "$VENV/bin/lint-imports" --no-cache
run_step "makemigrations --check" env -u DATABASE_URL "$PY" manage.py makemigrations --check --dry-run
run_step "manage.py check" env -u DATABASE_URL "$PY" manage.py check

# --- 4. The whole suite on SQLite ------------------------------------------------------------
run_step "pytest on SQLite (all, browser too)" env -u DATABASE_URL "$VENV/bin/pytest" "${PYTEST_ARGS[@]}"

# --- 5. The suite on PostgreSQL 15 -----------------------------------------------------------
if [ "${SKIP_POSTGRES:-0}" = "1" ]; then
    say "PostgreSQL run skipped (SKIP_POSTGRES=1)"
    record "pytest on PostgreSQL 15" "skipped" 0
elif [ ! -x "$PG_BIN/initdb" ]; then
    say "PostgreSQL run SKIPPED: no server binaries in $PG_BIN (apt-get install postgresql-15)"
    record "pytest on PostgreSQL 15" "skipped" 0
else
    run_step "pytest on PostgreSQL 15 (not browser)" \
        "$ROOT/scripts/with-postgres.sh" "$VENV/bin/pytest" -m "not browser" "${PYTEST_ARGS[@]}"
fi

# --- Summary ---------------------------------------------------------------------------------
say "Summary"
for line in "${steps[@]}"; do note "$line"; done
note "$(printf '%-40s %-8s %5ss' "total" "" $((SECONDS - started)))"
if [ "$failed" -ne 0 ]; then
    printf '\n\033[31mFAILED: see the steps marked FAILED above.\033[0m\n'
    exit 1
fi
printf '\n\033[32mAll steps passed.\033[0m\n'
