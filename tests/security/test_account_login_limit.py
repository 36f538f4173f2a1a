"""The per-account sign-in limit (accounts/login_limits.py): guessing spread over many
addresses slows down after a few failures (finding 8: axes' username+address lock alone let
it run unlimited), and the real person is only ever delayed, never locked out for good."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from matchmaking.accounts import login_limits
from matchmaking.accounts.models import LoginDelay
from tests import factories
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


def _sign_in(client, email, password, url=LOGIN):
    """Each attempt from a new address, as a botnet would."""
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=next(_addresses))


def _fail(client, email, times, url=LOGIN):
    return [_sign_in(client, email, "wrong-password", url).status_code for _ in range(times)]


@pytest.fixture
def person():
    return factories.make_user(email="person@example.com", is_staff=True)


@pytest.fixture
def clock(monkeypatch):
    """Move the limit's clock forward without sleeping."""
    state = {"now": timezone.now()}
    monkeypatch.setattr(login_limits.timezone, "now", lambda: state["now"])

    def advance(seconds):
        state["now"] += timedelta(seconds=seconds)

    return advance


class AccountLoginLimitTests:
    def test_defaults(self, settings):
        assert settings.ACCOUNT_LOGIN_FREE_FAILURES == 10
        assert settings.ACCOUNT_LOGIN_MAX_DELAY_SECONDS == 300
        assert [login_limits.delay_after(n).total_seconds() for n in (10, 11, 12, 13, 30)] == [
            0,
            1,
            2,
            4,
            300,
        ]

    def test_failures_from_many_addresses_are_counted_per_account(self, client, person, clock):
        statuses = _fail(client, person.email, 10)
        assert statuses == [200] * 10  # axes never sees five from one address
        assert not AccessAttempt.objects.filter(failures_since_start__gte=2).exists()
        assert _fail(client, person.email, 1) == [200]  # the 11th: now 1 s to wait
        # Even the right password is refused while waiting, before it is checked.
        response = _sign_in(client, person.email, DEFAULT_PASSWORD)
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
        assert LoginDelay.objects.get().failures == 11  # the refused attempt is not counted

    def test_the_delay_grows_and_guessing_is_slowed(self, client, person, clock):
        _fail(client, person.email, 10)
        waits = []
        for _ in range(6):
            assert _fail(client, person.email, 1) == [200]
            waits.append(login_limits.seconds_to_wait(username=person.email))
            assert _fail(client, person.email, 1) == [429]  # refused at once, not counted
            clock(waits[-1])
        assert waits == [1, 2, 4, 8, 16, 32]

    def test_the_wait_is_capped_so_the_person_is_never_locked_out(
        self, client, person, clock, settings
    ):
        settings.ACCOUNT_LOGIN_FREE_FAILURES = 2
        for _ in range(40):
            _fail(client, person.email, 1)
            clock(login_limits.seconds_to_wait(username=person.email))
        _fail(client, person.email, 1)
        assert login_limits.seconds_to_wait(username=person.email) == 300
        clock(300)
        response = _sign_in(client, person.email, DEFAULT_PASSWORD)
        assert response.status_code == 302
        assert not LoginDelay.objects.exists()  # a success clears the count

    def test_the_message_says_how_long_to_wait(self, english, person, clock):
        _fail(english, person.email, 11)
        response = _sign_in(english, person.email, DEFAULT_PASSWORD)
        assert response.status_code == 429
        assert "Wait 1 second before trying again" in response.content.decode()

    def test_failures_are_forgotten_after_a_quiet_day(self, client, person, clock):
        _fail(client, person.email, 10)
        clock(25 * 3600)
        assert _fail(client, person.email, 1) == [200]
        assert LoginDelay.objects.get().failures == 1
        assert login_limits.seconds_to_wait(username=person.email) == 0

    def test_other_accounts_are_not_affected(self, client, person, clock):
        other = factories.make_user(email="other@example.com")
        _fail(client, person.email, 12)
        assert _sign_in(client, other.email, DEFAULT_PASSWORD).status_code == 302

    def test_unknown_addresses_leave_no_rows(self, client):
        _fail(client, "nobody@example.com", 12)
        assert not LoginDelay.objects.exists()

    def test_the_admin_login_is_under_the_same_limit(self, client, person, clock):
        _fail(client, person.email, 11, url=ADMIN_LOGIN)
        response = _sign_in(client, person.email, DEFAULT_PASSWORD, url=ADMIN_LOGIN)
        assert response.status_code == 200
        assert response.context["form"].has_error("__all__", "account_delayed")
        assert "_auth_user_id" not in client.session
