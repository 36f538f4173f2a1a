"""Password reset: the request only enqueues; the task sends. Known and unknown addresses
do the same work in the request (finding 8: their timing differed)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks import default_task_backend

from matchmaking.accounts.tasks import send_password_reset
from tests import factories

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def queued(settings):
    """Tasks are recorded, not run."""
    settings.TASKS = DUMMY_TASKS
    default_task_backend.clear()
    yield default_task_backend
    default_task_backend.clear()


def _reset(client, email):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("accounts:password-reset"), {"email": email})
    assert response["Location"] == reverse("accounts:password-reset-done")
    return queries


class PasswordResetTaskTests:
    def test_the_request_enqueues_and_sends_nothing_itself(self, client, queued, mailoutbox):
        factories.make_user(email="known@example.com")
        _reset(client, "known@example.com")
        assert mailoutbox == []
        (result,) = queued.results
        assert result.task.func is send_password_reset.func
        assert result.kwargs["email"] == "known@example.com"
        assert result.kwargs["domain"] == "testserver"

    def test_known_and_unknown_addresses_do_the_same_work(self, client, queued, mailoutbox):
        factories.make_user(email="known@example.com")
        known = _reset(client, "known@example.com")
        unknown = _reset(client, "nobody@example.com")
        assert [q["sql"] for q in known.captured_queries] == [
            q["sql"] for q in unknown.captured_queries
        ]
        assert len(queued.results) == 2
        assert mailoutbox == []

    def test_the_task_sends_a_working_link_to_a_known_address(self, client, mailoutbox):
        factories.make_user(email="known@example.com")
        send_password_reset.call(
            email="known@example.com", domain="platform.example.com", use_https=True, language="en"
        )
        (mail,) = mailoutbox
        assert mail.to == ["known@example.com"]
        assert "Choose a new password here:" in mail.body
        link = re.search(
            r"https://platform\.example\.com(/accounts/password/reset/\S+/)", mail.body
        )
        page = client.get(link.group(1), follow=True)
        assert page.context["validlink"]

    def test_the_task_sends_nothing_for_an_unknown_address(self, mailoutbox):
        send_password_reset.call(
            email="nobody@example.com", domain="testserver", use_https=False, language="zh-hans"
        )
        assert mailoutbox == []
