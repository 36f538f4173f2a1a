"""Settings come from the environment: production refuses unsafe values and passes
`check --deploy`; DATABASE_URL picks the database; the health check answers."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_VARIABLES = ("DJANGO_", "DATABASE_URL", "MEDIA_ROOT", "IMAGE_", "MATCHING_")


def _environment(**overrides: str) -> dict[str, str]:
    """The current environment without any setting variables, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS_VARIABLES)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(overrides)
    return env


def _run(args: list[str], **overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=_environment(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings(expression: str, **overrides: str):
    """Evaluate `expression` against matchmaking.settings imported under `overrides`."""
    code = f"import json, matchmaking.settings as s; print(json.dumps({expression}, default=str))"
    result = _run(["-c", code], **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "example.com",
}


class ProductionSettingsTests:
    def test_check_deploy_reports_no_issues_with_production_values(self):
        """With DEBUG off, a long random key and a host name, `check --deploy` is clean."""
        result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "System check identified no issues (0 silenced)." in result.stdout
        assert "WARNINGS" not in result.stdout + result.stderr

    def test_debug_off_without_a_secret_key_refuses_to_start(self):
        """DJANGO_DEBUG=0 with no DJANGO_SECRET_KEY stops at start-up with a clear message."""
        result = _run(["manage.py", "check"], DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="example.com")
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG=0" in result.stderr

    def test_production_turns_on_https_only_cookies_and_hsts(self):
        """DEBUG off implies secure cookies, HTTPS redirect and a year of HSTS."""
        values = _settings(
            "[s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
            " s.SECURE_HSTS_SECONDS, s.ALLOWED_HOSTS]",
            **PRODUCTION,
        )
        assert values == [False, True, True, True, 31_536_000, ["example.com"]]

    def test_production_language_cookie_is_secure_like_the_others(self):
        """The language cookie was sent over plain HTTP in production (finding 8)."""
        values = _settings(
            "[s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_HTTPONLY, s.LANGUAGE_COOKIE_SAMESITE]",
            **PRODUCTION,
        )
        assert values == [True, True, "Lax"]
        assert _settings("s.LANGUAGE_COOKIE_SECURE", **{**PRODUCTION, "DJANGO_DEBUG": "1"}) is False
        assert (
            _settings("s.LANGUAGE_COOKIE_SECURE", **PRODUCTION, DJANGO_LANGUAGE_COOKIE_SECURE="0")
            is False
        )

    def test_number_of_proxies_comes_from_the_environment(self):
        """0 by default (direct serving); 1 behind the shipped nginx; DRF uses the same."""
        assert _settings("[s.NUM_PROXIES, s.REST_FRAMEWORK['NUM_PROXIES']]", **PRODUCTION) == [0, 0]
        values = _settings(
            "[s.NUM_PROXIES, s.REST_FRAMEWORK['NUM_PROXIES']]", **PRODUCTION, DJANGO_NUM_PROXIES="1"
        )
        assert values == [1, 1]

    def test_development_defaults_need_no_environment(self):
        """With nothing set the site runs in debug on localhost with a development key."""
        debug, hosts, email_backend = _settings("[s.DEBUG, s.ALLOWED_HOSTS, s.EMAIL_BACKEND]")
        assert debug is True
        assert "127.0.0.1" in hosts
        assert email_backend == "django.core.mail.backends.console.EmailBackend"

    def test_invalid_boolean_is_refused(self):
        """A typo in a boolean variable is an error, not silently false."""
        result = _run(["-c", "import matchmaking.settings"], DJANGO_DEBUG="maybe")
        assert result.returncode != 0
        assert "DJANGO_DEBUG must be a boolean" in result.stderr


class DatabaseUrlTests:
    def test_default_is_sqlite_with_wal_immediate_transactions_and_busy_timeout(self):
        """Without DATABASE_URL: SQLite in var/, WAL, IMMEDIATE transactions, a timeout."""
        database = _settings("s.DATABASES['default']")
        assert database["ENGINE"] == "django.db.backends.sqlite3"
        assert database["NAME"].endswith("db.sqlite3")
        assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        assert database["OPTIONS"]["timeout"] >= 5
        assert "PRAGMA journal_mode=WAL" in database["OPTIONS"]["init_command"]

    def test_sqlite_url_keeps_the_sqlite_options(self, tmp_path):
        """DATABASE_URL=sqlite:///path uses that file with the same safe options."""
        path = tmp_path / "other.sqlite3"
        database = _settings("s.DATABASES['default']", DATABASE_URL=f"sqlite:///{path}")
        assert database["NAME"] == str(path)
        assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"

    def test_postgres_url_selects_the_postgresql_engine(self):
        """postgres://user:password@host:port/name becomes a PostgreSQL connection."""
        database = _settings(
            "s.DATABASES['default']",
            DATABASE_URL="postgres://platform:s3cret@db.internal:5433/matchmaking",
        )
        assert database["ENGINE"] == "django.db.backends.postgresql"
        assert (database["NAME"], database["USER"], database["PASSWORD"]) == (
            "matchmaking",
            "platform",
            "s3cret",
        )
        assert (database["HOST"], int(database["PORT"])) == ("db.internal", 5433)
        assert database["OPTIONS"]["options"] == "-c jit=off"  # short web queries: no JIT

    def test_postgres_jit_can_be_kept(self):
        database = _settings(
            "s.DATABASES['default']",
            DATABASE_URL="postgres://platform:s3cret@db.internal:5433/matchmaking",
            DJANGO_PG_JIT="1",
        )
        assert "options" not in database.get("OPTIONS", {})

    @pytest.mark.django_db
    def test_a_postgresql_connection_runs_without_jit(self):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("PostgreSQL only (runs in the suite's PostgreSQL pass)")
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"

    def test_postgres_prepares_statements_unless_told_not_to(self):
        url = "postgres://platform:s3cret@db.internal:5433/matchmaking"
        options = _settings("s.DATABASES['default']['OPTIONS']", DATABASE_URL=url)
        assert options["server_side_binding"] is True and options["prepare_threshold"] == 5
        options = _settings(
            "s.DATABASES['default']['OPTIONS']", DATABASE_URL=url, DJANGO_PG_PREPARED_STATEMENTS="0"
        )
        # Django's own defaults: client-side binding, nothing prepared (poolers in
        # transaction mode cannot keep prepared statements).
        assert "server_side_binding" not in options and "prepare_threshold" not in options

    @pytest.mark.postgresql
    @pytest.mark.django_db
    def test_a_postgresql_connection_prepares_a_repeated_statement(self):
        """The fifth run of a statement on a connection prepares it (PostgreSQL then stops
        planning it): the need page's read, with its subqueries, works prepared."""
        from django.contrib.auth.models import AnonymousUser
        from django.db import connection

        from matchmaking.listings import selectors
        from tests import factories

        needs = [factories.make_need(title=f"需求{i}") for i in range(7)]
        with connection.cursor() as cursor:
            # Only this test's statements count; psycopg sees the DEALLOCATE ALL and forgets
            # what it had prepared on this connection.
            cursor.execute("DEALLOCATE ALL")
        for need in needs:  # another id each time: one statement, other parameters
            shown = selectors.need_page_queryset(AnonymousUser()).get(pk=need.pk)
            assert shown.title == need.title
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        assert any('FROM "listings_need"' in statement for statement in prepared), prepared

    def test_sqlite_file_really_runs_in_wal_mode(self, tmp_path):
        """A connection to the default SQLite file reports journal_mode=wal."""
        code = (
            "import django; django.setup(); from django.db import connection; "
            "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
        )
        result = _run(
            ["-c", code],
            DJANGO_SETTINGS_MODULE="matchmaking.settings",
            DJANGO_SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == "wal"


class HealthCheckTests:
    @pytest.mark.django_db
    def test_healthz_reports_ok_when_the_database_answers(self, client):
        """/healthz answers 200 with status ok, and is never cached."""
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
        assert "no-cache" in response["Cache-Control"]


class EnvExampleTests:
    def test_every_variable_read_in_settings_is_documented_in_env_example(self):
        """.env.example names each environment variable that settings.py reads."""
        source = (BASE_DIR / "matchmaking" / "settings.py").read_text(encoding="utf-8")
        read = set(re.findall(r"env_(?:str|bool|int|float|list)\(\s*\"([A-Z0-9_]+)\"", source))
        documented = set(
            re.findall(r"^#?\s*([A-Z0-9_]+)=", (BASE_DIR / ".env.example").read_text(), re.M)
        )
        assert read, "no environment variables found in settings.py"
        assert sorted(read - documented) == []
