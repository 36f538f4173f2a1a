"""Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords a username is
locked from that address for the cool-off, even with the right password; others sign in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from tests import factories
from tests.factories import DEFAULT_PASSWORD

LOGIN = "/accounts/login/"


def _sign_in(client, email, password, ip="203.0.113.7"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def _fail(client, email, times, ip="203.0.113.7"):
    for _ in range(times):
        response = _sign_in(client, email, "wrong-password", ip=ip)
        assert response.status_code in (200, 429)
    return response


@pytest.fixture
def person(db):
    return factories.make_user(email="person@example.com")


@pytest.mark.django_db
class LoginLockoutTests:
    def test_settings_use_the_database_handler_with_five_failures_and_fifteen_minutes(
        self, settings
    ):
        """Defaults: database handler (shared by all workers), 5 failures, 15 minutes,
        username and address together, AxesBackend before the model backend."""
        assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
        assert settings.AXES_FAILURE_LIMIT == 5
        assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
        assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
        assert settings.AUTHENTICATION_BACKENDS[0].startswith("axes.backends.")

    def test_four_failures_still_allow_the_right_password(self, client, person):
        """Below the limit a correct password signs in (and clears the count)."""
        _fail(client, person.email, 4)
        response = _sign_in(client, person.email, DEFAULT_PASSWORD)
        assert response.status_code == 302
        assert int(client.session["_auth_user_id"]) == person.pk
        assert AccessAttempt.objects.filter(username=person.email).count() == 0

    def test_five_failures_lock_the_account_even_with_the_right_password(self, english, person):
        """The fifth wrong password locks; then the right one is refused with 429 and the
        sign-in panel explains the lockout and how long it lasts."""
        response = _fail(english, person.email, 5)
        assert response.status_code == 429
        response = _sign_in(english, person.email, DEFAULT_PASSWORD)
        assert response.status_code == 429
        assert "_auth_user_id" not in english.session
        html = response.content.decode()
        assert "Too many failed sign-in attempts." in html
        assert "locked for 15 minutes" in html
        assert 'id="sign-in-locked"' in html

    def test_lockout_message_is_translated(self, client, person):
        """The lockout page is rendered in the visitor's language (Chinese by default)."""
        _fail(client, person.email, 5)
        response = _sign_in(client, person.email, DEFAULT_PASSWORD)
        assert response.status_code == 429
        assert response.wsgi_request.LANGUAGE_CODE == "zh-hans"
        assert 'id="sign-in-locked"' in response.content.decode()

    def test_another_user_from_the_same_address_is_unaffected(self, client, person):
        """The lock is per username and address: a colleague behind the same NAT signs in."""
        colleague = factories.make_user(email="colleague@example.com")
        _fail(client, person.email, 5)
        response = _sign_in(client, colleague.email, DEFAULT_PASSWORD)
        assert response.status_code == 302
        assert int(client.session["_auth_user_id"]) == colleague.pk

    def test_the_same_user_from_another_address_is_unaffected(self, client, person):
        """An attacker elsewhere cannot lock the real person out of their own address."""
        _fail(client, person.email, 5, ip="198.51.100.9")
        response = _sign_in(client, person.email, DEFAULT_PASSWORD, ip="203.0.113.7")
        assert response.status_code == 302

    def test_the_lock_lifts_after_the_cool_off(self, client, person, monkeypatch):
        """Sixteen minutes later (clock moved forward) the right password works again."""
        _fail(client, person.email, 5)
        assert _sign_in(client, person.email, DEFAULT_PASSWORD).status_code == 429
        later = timezone.now() + timedelta(minutes=16)
        monkeypatch.setattr("axes.handlers.proxy.now", lambda: later)
        monkeypatch.setattr("axes.attempts.now", lambda: later)
        response = _sign_in(client, person.email, DEFAULT_PASSWORD)
        assert response.status_code == 302
        assert int(client.session["_auth_user_id"]) == person.pk

    def test_fourteen_minutes_later_the_lock_still_holds(self, client, person, monkeypatch):
        """Within the cool-off the account stays locked."""
        _fail(client, person.email, 5)
        later = timezone.now() + timedelta(minutes=14)
        monkeypatch.setattr("axes.handlers.proxy.now", lambda: later)
        monkeypatch.setattr("axes.attempts.now", lambda: later)
        assert _sign_in(client, person.email, DEFAULT_PASSWORD).status_code == 429

    def test_behind_the_proxy_the_address_comes_from_x_forwarded_for(
        self, client, person, settings
    ):
        """With one proxy (NUM_PROXIES=1) the last forwarded address keys the lock, so clients
        behind nginx (all REMOTE_ADDR 127.0.0.1) are told apart."""
        settings.NUM_PROXIES = 1
        for _ in range(5):
            client.post(
                LOGIN,
                {"username": person.email, "password": "wrong"},
                REMOTE_ADDR="127.0.0.1",
                HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9",
            )
        ok = client.post(
            LOGIN,
            {"username": person.email, "password": DEFAULT_PASSWORD},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
        assert ok.status_code == 302
        attempt = AccessAttempt.objects.get()
        assert attempt.ip_address == "198.51.100.9"

    def test_admin_login_is_throttled_too(self, client):
        """The admin's sign-in form goes through the same lockout."""
        admin = factories.make_user(email="boss@example.com", is_staff=True, is_superuser=True)
        for _ in range(5):
            client.post("/admin/login/", {"username": admin.email, "password": "x"})
        response = client.post(
            "/admin/login/", {"username": admin.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 429

    def test_changing_the_case_of_the_email_does_not_reset_the_count(self, client, person):
        """Failures under "PERSON@example.com" and "person@example.com" add up."""
        _fail(client, person.email.upper(), 3)
        _fail(client, person.email, 2)
        assert _sign_in(client, person.email, DEFAULT_PASSWORD).status_code == 429
