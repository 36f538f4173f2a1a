"""The production topology in small: two app servers and a task worker, each a process of its
own, on ONE database (docs/performance.md, "Topology"). A need posted through server A shows
on server B's needs page at once (change feed, shared page cache versions) and, once the
task worker has computed its suggestions, in B's suggestions panel for its owner.

On PostgreSQL (the test database itself): ``scripts/with-postgres.sh .venv/bin/pytest
tests/resilience/test_topology.py``; on SQLite the servers share a file copy of the test
database.
"""

from __future__ import annotations

import http.cookiejar
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from tests import factories
from tests.core.test_shared_cache import _database_env

ROOT = Path(__file__).resolve().parents[2]
VISIBLE_WITHIN_SECONDS = 5  # the change feed is read before each use of the browse index
SUGGESTED_WITHIN_SECONDS = 90  # the task worker builds its matching engine first


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Process:
    def __init__(self, args: list[str], env: dict, log: Path) -> None:
        self.log = log.open("w")
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Browser:
    """urllib with a cookie jar: one browser talking to one server."""

    def __init__(self, base: str, session_key: str | None = None) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )
        self.opener.addheaders = [("Accept-Language", "zh-hans")]
        if session_key:
            host = urllib.parse.urlsplit(base).hostname
            self.jar.set_cookie(_cookie(settings.SESSION_COOKIE_NAME, session_key, host))

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.status, response.read().decode()

    def post(self, path: str, data: dict) -> tuple[int, str]:
        _status, form = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base + path, data=body)
        request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as redirect:
            return redirect.code, redirect.headers.get("Location", "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _cookie(name: str, value: str, host: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        0, name, value, None, False, host, False, False, "/", True, False, None, False,
        None, None, {},
    )  # fmt: skip


def _wait_until_serving(base: str, process: Process) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.process.poll() is None, "the app server exited"
        try:
            urllib.request.urlopen(base + "/healthz", timeout=5).close()  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{base} did not answer")


def _poll(check, within: float):
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


@pytest.mark.django_db(transaction=True)
def test_a_need_posted_on_one_server_reaches_the_other_and_its_suggestions(tmp_path):
    owner = factories.make_organization(kind="enterprise").memberships.get().user
    offering = factories.make_offering(title="银行智能客服热线分流平台")
    session = SessionStore()
    session[SESSION_KEY] = str(owner.pk)
    session[BACKEND_SESSION_KEY] = "matchmaking.accounts.backends.MembershipModelBackend"
    session[HASH_SESSION_KEY] = owner.get_session_auth_hash()
    session.create()

    env = _database_env(tmp_path)  # after the writes above: SQLite copies the file now
    env.update(TASKS_BACKEND="database", DJANGO_LOG_LEVEL="WARNING", PAGE_CACHE_SECONDS="300")
    ports = [_free_port(), _free_port()]
    servers = [
        Process(["runserver", "--noreload", f"127.0.0.1:{port}"], env, tmp_path / f"s{port}.log")
        for port in ports
    ]
    worker = Process(
        ["db_worker", "--no-reload", "--interval", "0.5"], env, tmp_path / "worker.log"
    )
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, server in zip(bases, servers, strict=True):
            _wait_until_serving(base, server)
        on_a = Browser(bases[0], session.session_key)
        reader_b = Browser(bases[1])
        owner_on_b = Browser(bases[1], session.session_key)
        reader_b.get("/needs/")  # B has built its browse index and cached the page

        status, location = on_a.post(
            "/needs/new/",
            {
                "title": "信用卡客服热线智能分流",
                "description": "银行账单日客服来电排队严重，需要智能客服分流与知识库问答。",
                "data_availability": "some",
                "visibility": "public",
                "budget_min": "100000",
                "budget_max": "300000",
                "publish": "1",
            },
        )
        assert status == 302, status
        need_path = urllib.parse.urlsplit(location).path
        assert re.fullmatch(r"/needs/\d+/", need_path), location

        shown = _poll(lambda: need_path in reader_b.get("/needs/")[1], VISIBLE_WITHIN_SECONDS)
        assert shown, "server B's needs page does not list the need posted on server A"

        offering_link = f'href="{offering.get_absolute_url()}"'
        suggested = _poll(
            lambda: offering_link in owner_on_b.get(need_path)[1], SUGGESTED_WITHIN_SECONDS
        )
        assert suggested, "server B does not show the suggestion the task worker computed"
    finally:
        for process in (*servers, worker):
            process.stop()
