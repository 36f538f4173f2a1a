# Shared helpers for scripts/serve.sh and scripts/test.sh (sourced, not run).
# Works from any current directory: everything is relative to the repository root.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

say() { printf '\n\033[1m==> %s\033[0m  [+%ss]\n' "$*" "$SECONDS"; }
note() { printf '    %s\n' "$*"; }
die() { printf '\n\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

# Create .venv with the machine's python3 (3.11 or newer) unless it exists and works.
ensure_venv() {
    if [ -x "$PY" ] && "$PY" -c 'import sys' >/dev/null 2>&1; then
        note ".venv exists ($("$PY" --version 2>&1))"
        return
    fi
    local python="${PYTHON:-python3}"
    command -v "$python" >/dev/null 2>&1 || die "python3 not found; install Python 3.11+ first"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "Python 3.11+ is required; $python is $("$python" --version 2>&1)"
    say "Creating .venv with $("$python" --version 2>&1)"
    rm -rf "$VENV"
    "$python" -m venv "$VENV" \
        || die "could not create .venv (on Debian/Ubuntu: apt-get install python3-venv)"
    "$PY" -m pip install --quiet --upgrade pip
}

# pip install -r FILE, skipped when FILE (and what it includes) did not change since the last
# successful install into this .venv.
ensure_requirements() {
    local file="$1"
    local stamp="$VENV/.installed-$(basename "$file")"
    local digest
    digest="$(cat "$ROOT"/requirements*.txt | sha256sum | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
        note "$file already installed"
        return
    fi
    say "Installing $file into .venv"
    "$PY" -m pip install --quiet --disable-pip-version-check -r "$ROOT/$file" \
        || die "pip install -r $file failed"
    echo "$digest" >"$stamp"
}

# Compile translations only if a .po is newer than its .mo and msgfmt exists. The compiled
# .mo files are committed, so msgfmt is never required.
maybe_compile_messages() {
    local po mo
    for po in "$ROOT"/locale/*/LC_MESSAGES/*.po; do
        [ -e "$po" ] || continue
        mo="${po%.po}.mo"
        if [ ! -e "$mo" ] || [ "$po" -nt "$mo" ]; then
            if command -v msgfmt >/dev/null 2>&1; then
                note "compiling ${po#"$ROOT"/}"
                msgfmt --check-format -o "$mo.tmp" "$po" && mv "$mo.tmp" "$mo" \
                    || { rm -f "$mo.tmp"; note "warning: msgfmt failed for ${po#"$ROOT"/}; keeping the committed .mo"; }
            elif [ ! -e "$mo" ]; then
                note "warning: ${mo#"$ROOT"/} is missing and msgfmt is not installed (pages stay in English)"
            fi
        fi
    done
}
