"""A worker killed in the middle of a large import leaves the database as it was: the
import writes in one transaction, and SQLite's WAL rolls an unfinished one back."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OFFERINGS = int(os.environ.get("RESILIENCE_IMPORT_OFFERINGS", "20000"))
TABLES = (
    "accounts_organization",
    "listings_offering",
    "listings_need",
    "listings_offering_sectors",
    "listings_offering_app_types",
)


def _world(path: Path) -> None:
    sectors = ["government", "finance", "healthcare", "industry"]
    data = {
        "format": "llm-match/v1",
        "organizations": [
            {"ref": f"kill-v-{n}", "kind": "vendor", "name": f"压测厂商{n}"} for n in range(50)
        ],
        "offerings": [
            {
                "ref": f"kill-o-{n}",
                "org": f"kill-v-{n % 50}",
                "title": f"智能客服机器人 {n}",
                "description": "面向企业的智能客服与知识库问答，支持私有化部署。" * 3,
                "kind": "product",
                "sectors": [sectors[n % 4]],
                "app_types": ["qa"],
                "price_min": 10000 + n,
            }
            for n in range(OFFERINGS)
        ],
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as connection:
        return {t: connection.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608


def _manage(db: Path, *args, **popen):
    env = {**os.environ, "DJANGO_SQLITE_PATH": str(db), "DJANGO_DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, text=True, **popen
    )


@pytest.mark.slow
class KilledImportTests:
    def test_sigkill_during_the_write_phase_changes_nothing(self, tmp_path):
        """The import is killed (SIGKILL, no clean-up) once it reports creating offerings; the
        row counts equal those before it and PRAGMA integrity_check says ok."""
        db = tmp_path / "import.sqlite3"
        assert _manage(db, "migrate", "--noinput", "-v", "0").wait(timeout=120) == 0
        source = tmp_path / "world.json"
        _world(source)
        before = _counts(db)

        process = _manage(db, "import_listings", str(source), stderr=subprocess.PIPE)
        killed_at = None
        deadline = time.monotonic() + 180
        try:
            for line in process.stderr:
                if "offerings (created)" in line:  # rows are being inserted right now
                    killed_at = line.strip()
                    process.send_signal(signal.SIGKILL)
                    break
                if time.monotonic() > deadline:
                    break
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
        assert killed_at, "the import finished (or failed) before printing write progress"
        assert process.returncode == -signal.SIGKILL

        assert _counts(db) == before, killed_at
        with sqlite3.connect(db) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # And the file is still usable: the same import, run to the end, goes through.
        finished = _manage(db, "import_listings", str(source), "-v", "0")
        assert finished.wait(timeout=300) == 0
        assert _counts(db)["listings_offering"] == before["listings_offering"] + OFFERINGS
