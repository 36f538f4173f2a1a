"""The --postgres load test's world: every row of the prepared SQLite world is copied into the
configured database, so the vendor and the load users sign in there as in the SQLite run."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.tools import world_env

TABLES = (
    "accounts_user",
    "accounts_organization",
    "accounts_membership",
    "listings_offering",
    "listings_need",
    "listings_offering_sectors",
    "matching_suggestion",
    "django_content_type",
    "auth_permission",
)


def rows(path: Path, table: str):
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()  # noqa: S608


@pytest.mark.slow
def test_copy_world_copies_every_row_and_the_vendor_member(tmp_path):
    root = Path(settings.BASE_DIR)
    env = world_env(tmp_path)
    source, target = tmp_path / "world.sqlite3", tmp_path / "copy.sqlite3"

    def run(database, *args):
        return subprocess.run(  # noqa: S603
            [sys.executable, *args],
            cwd=root,
            env={**env, "DJANGO_SQLITE_PATH": str(database)},
            check=True,
            timeout=300,
            capture_output=True,
            text=True,
        )

    run(source, "manage.py", "migrate", "--noinput", "-v", "0")
    run(source, "manage.py", "seed_demo", "--offerings", "40", "--needs", "10")
    run(source, "-m", "tools.loadtest", "--prepare-only", "--users", "2")
    run(target, "manage.py", "migrate", "--noinput", "-v", "0")
    # The target already has rows of its own (migrations' content types, taxonomy …): replaced.
    result = run(target, "-m", "tools.loadtest", "--copy-world-from", str(source))
    assert "copied" in result.stdout
    for table in TABLES:
        assert rows(target, table) == rows(source, table), table
    assert rows(source, "matching_suggestion"), "the tiny world has stored suggestions"
    with sqlite3.connect(target) as db:
        (vendor_members,) = db.execute(
            "SELECT COUNT(*) FROM accounts_membership m JOIN accounts_organization o "
            "ON o.id = m.organization_id WHERE o.kind = 'vendor'"
        ).fetchone()
        (load_users,) = db.execute(
            "SELECT COUNT(*) FROM accounts_user WHERE email LIKE 'loadtest-e%'"
        ).fetchone()
    assert vendor_members > 0 and load_users == 2
    # The planner's statistics are gathered once the rows are in (ANALYZE), as after a restore.
    with sqlite3.connect(target) as db:
        analysed = {table for (table,) in db.execute("SELECT tbl FROM sqlite_stat1")}
    assert {"matching_suggestion", "listings_need"} <= analysed
    # New rows get fresh ids after the copied ones (the sequences moved on).
    run(target, "-m", "tools.loadtest", "--prepare-only", "--users", "3")
    assert len(rows(target, "accounts_user")) == len(rows(source, "accounts_user")) + 1
