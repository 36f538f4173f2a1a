"""Several real worker processes on one database agree at once on everything cached: a write
in one process is reflected by the others on their very next read (no waiting for a cache
timeout) — listings facet counts and figures, insight tables, taxonomy terms and the need
form's category hints. Runs on SQLite (a file copy of the test database) and on PostgreSQL
(the test database itself): ``scripts/with-postgres.sh .venv/bin/pytest tests/core/test_shared_cache.py``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3


class Worker:
    def __init__(self, env: dict) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "tests.core.shared_cache_worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def wait_ready(self) -> None:
        line = self.process.stdout.readline()
        assert line, "the worker process exited before it was ready"
        assert "ready" in json.loads(line)

    def ask(self, op: str, **fields):
        self.send(op, **fields)
        return self.answer(op)

    def send(self, op: str, **fields) -> None:
        self.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.process.stdin.flush()

    def answer(self, op: str):
        line = self.process.stdout.readline()
        assert line, f"the worker process died answering {op!r}"
        return json.loads(line)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _database_env(tmp_path: Path) -> dict:
    """Environment that points a worker at this test's database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "matchmaking.settings", "DJANGO_DEBUG": "1"}
    env.pop("REDIS_URL", None)  # the point: no Redis, the default shared cache
    env["DJANGO_VAR_DIR"] = str(tmp_path / "var")
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    if connection.vendor == "sqlite":
        # The test database lives in this process's memory: copy it to a file all share.
        path = tmp_path / "workers.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        env.pop("DATABASE_URL", None)
        env["DJANGO_SQLITE_PATH"] = str(path)
    else:
        url = urlsplit(os.environ["DATABASE_URL"])
        name = connection.settings_dict["NAME"]  # the test database pytest-django made
        env["DATABASE_URL"] = urlunsplit(url._replace(path="/" + name))
    return env


@pytest.fixture
def workers(transactional_db, tmp_path):
    env = _database_env(tmp_path)
    started = [Worker(env) for _ in range(WORKERS)]
    try:
        for worker in started:
            worker.wait_ready()
        yield started
    finally:
        for worker in started:
            worker.stop()


@pytest.mark.django_db(transaction=True)
def test_a_write_in_one_worker_is_read_by_every_other_at_once(workers):
    writer, *readers = workers
    before = [worker.ask("read") for worker in workers]
    assert before[0] == before[1] == before[2]  # warm: every process has cached its figures
    published_data = before[0]["facets"]["kind"].get("data", 0)

    writer.ask("publish", kind="data")
    after = [reader.ask("read") for reader in readers]
    for seen in after:
        assert seen["home"]["offerings"] == before[0]["home"]["offerings"] + 1
        assert seen["facets"]["kind"].get("data", 0) == published_data + 1
        assert seen["by_kind"] != before[0]["by_kind"]  # the insights table counted it
    assert after[0] == after[1] == writer.ask("read")

    writer.ask("add_sector", code="shared-cache-sector")
    for reader in readers:
        assert "shared-cache-sector" in reader.ask("read")["sectors"]


@pytest.mark.django_db(transaction=True)
def test_every_worker_gives_the_same_category_hints(workers):
    with_engine, without, other = workers
    for kind in ("data", "compute", "service"):
        with_engine.ask("publish", kind=kind)
    text = "银行智能客服知识库问答，私有化部署"
    first = without.ask("hints", text=text)  # lexicon only: this process has no engine
    with_engine.ask("build_engine")
    best = with_engine.ask("hints", text=text)  # the engine's answer replaces it for all
    assert without.ask("hints", text=text) == best
    assert other.ask("hints", text=text) == best
    assert best["sectors"], first


@pytest.mark.django_db(transaction=True)
def test_versions_are_bumped_atomically_across_processes(workers):
    """Three processes bumping one version at the same time lose no bump."""
    start = workers[0].ask("bump", key="test:contended", times=0)["version"]
    for worker in workers:
        worker.send("bump", key="test:contended", times=40)
    for worker in workers:
        worker.answer("bump")
    assert workers[1].ask("bump", key="test:contended", times=0)["version"] == start + 3 * 40


@pytest.mark.django_db(transaction=True)
def test_a_shared_page_is_rendered_once_for_every_process_and_never_stale(workers):
    """core/page_cache.py: an anonymous browse page rendered by one process is served to
    another from the shared cache; a write in a third process shows on the next request of
    both (the data version in the shared cache names new keys)."""
    writer, first, second = workers
    writer.ask("publish", kind="data")
    rendered = first.ask("page", path="/offerings/")
    assert rendered["status"] == 200 and rendered["cache"] == "miss"
    served = second.ask("page", path="/offerings/")
    assert served["cache"] == "hit"
    assert served["body"] == rendered["body"]

    pk = writer.ask("publish", kind="compute")["pk"]
    link = f"/offerings/{pk}/"
    assert link not in rendered["body"]
    for reader in (first, second):
        page = reader.ask("page", path="/offerings/")
        assert page["status"] == 200 and link in page["body"]
