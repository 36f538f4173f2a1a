"""Twenty people posting needs at the same moment, for a while, on SQLite: every need the
site confirmed (302) is in the database, nobody sees a server error, and "database is
locked" never reaches a user or the log.

The issue asks for 60 s; CI runs RESILIENCE_WRITERS_SECONDS (default 15) to stay quick:
    RESILIENCE_WRITERS_SECONDS=60 .venv/bin/pytest tests/resilience -m slow
"""

from __future__ import annotations

import logging
import os
import threading
import time

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from matchmaking.listings.models import Need
from tests import factories
from tests.resilience.conftest import in_thread

WRITERS = 20
SECONDS = float(os.environ.get("RESILIENCE_WRITERS_SECONDS", "15"))


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info:
            text += " " + logging.Formatter().formatException(record.exc_info)
        self.messages.append(text)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
class ConcurrentWritersTests:
    def test_twenty_writers_lose_nothing_and_never_see_a_lock_error(self, file_database, settings):
        """Each thread is one enterprise user with its own Client (the full view stack: form,
        service, transaction, matching refresh on commit) posting needs back to back."""
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        settings.DEBUG_PROPAGATE_EXCEPTIONS = False

        def build():
            vendor = factories.make_organization(kind="vendor")
            for number in range(30):  # something for the matcher to suggest
                factories.make_offering(organization=vendor, title=f"智能客服机器人 {number}")
            return [
                factories.make_organization(kind="enterprise").memberships.get().user
                for _ in range(WRITERS)
            ]

        users = in_thread(build)
        capture = _Capture()
        root = logging.getLogger()
        root.addHandler(capture)
        confirmed: list[int] = []
        failures: list[str] = []
        lock = threading.Lock()
        deadline = time.monotonic() + SECONDS
        barrier = threading.Barrier(WRITERS)
        url = reverse("listings:need-create")

        def writer(index, user):
            client = Client(raise_request_exception=False)
            client.force_login(user)
            barrier.wait()
            number = 0
            try:
                while time.monotonic() < deadline:
                    number += 1
                    response = client.post(
                        url,
                        {
                            "title": f"智能客服需求 {index}-{number}",
                            "description": "希望建设智能客服与知识库问答系统，支持私有化部署。",
                            "data_availability": "some",
                            "visibility": "public",
                            "budget_min": 100000,
                            "budget_max": 500000,
                            "publish": "1",
                        },
                    )
                    body = response.content.decode("utf-8", "replace")
                    with lock:
                        if response.status_code == 302:
                            confirmed.append(int(response["Location"].rstrip("/").split("/")[-1]))
                        else:
                            failures.append(f"{response.status_code}: {body[:300]}")
            finally:
                connections["default"].close()

        threads = [threading.Thread(target=writer, args=(i, u)) for i, u in enumerate(users)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=SECONDS + 120)
        finally:
            root.removeHandler(capture)

        stored = in_thread(lambda: set(Need.objects.values_list("pk", flat=True)))
        print(f"\n{len(confirmed)} needs confirmed by {WRITERS} writers in {SECONDS:.0f} s")
        assert not failures, failures[:3]
        assert confirmed, "no writer got through"
        assert set(confirmed) <= stored, "a confirmed need is missing from the database"
        assert len(set(confirmed)) == len(confirmed)
        assert not [m for m in capture.messages if "database is locked" in m]
