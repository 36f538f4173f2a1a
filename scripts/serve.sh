#!/usr/bin/env bash
# Command 1: run the platform locally on SQLite with the demo world.
#
#   ./scripts/serve.sh
#
# Creates .venv (machine's python3) if missing, installs requirements.txt, applies migrations,
# loads the demo world (idempotent) and serves http://127.0.0.1:8000/. Safe to run again.
# SERVE_ADDR overrides the address (default 127.0.0.1:8000).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ADDR="${SERVE_ADDR:-127.0.0.1:8000}"
started=$SECONDS

say "Python environment"
ensure_venv
ensure_requirements requirements.txt
maybe_compile_messages

say "Applying database migrations (SQLite at ${DATABASE_URL:-var/db.sqlite3})"
mkdir -p "$ROOT/var"
"$PY" manage.py migrate --no-input

say "Loading the demo world (running it again changes nothing)"
"$PY" manage.py seed_demo

say "Ready after $((SECONDS - started))s — serving http://$ADDR/ (Ctrl-C to stop)"
note "demo sign-ins (password demo-pass-2023): admin@example.com, enterprise@example.com,"
note "vendor@example.com, member@example.com"
exec "$PY" manage.py runserver "$ADDR"
