"""A fresh FILE SQLite database with the production options (WAL, IMMEDIATE transactions,
busy timeout) for tests that need real concurrency or real processes — the test database is
SQLite's shared-cache in-memory database, whose locks fail at once instead of waiting."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import connections


def in_thread(function, *args):
    """Run ``function`` on a new thread (its own connection) and return its result."""
    result: dict = {}

    def target():
        try:
            result["value"] = function(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            result["error"] = exc
        finally:
            connections["default"].close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=300)
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.fixture
def file_database(tmp_path):
    """Yields the path of a migrated file database that the default connection now uses
    (None on PostgreSQL, whose test database already behaves like production)."""
    settings_dict = connections.settings["default"]
    if settings_dict["ENGINE"] != "django.db.backends.sqlite3":
        yield None
        return
    original = settings_dict["NAME"]
    path = tmp_path / "resilience.sqlite3"
    settings_dict["NAME"] = str(path)
    try:
        in_thread(lambda: call_command("migrate", "--noinput", verbosity=0))
        yield path
    finally:
        settings_dict["NAME"] = original
