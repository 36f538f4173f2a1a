"""A new password ends API access as it ends other sessions (finding 8: tokens stayed valid)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from matchmaking.api.models import ApiToken
from tests import factories
from tests.api.conftest import token_for
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Another-Good-Pass-77"
ME = "/api/v1/notifications/"


def status_with(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(ME).status_code


@pytest.fixture
def person():
    return factories.make_user(email="token.owner@example.com")


class PasswordChangeRevokesTokensTests:
    def test_changing_the_password_on_the_site_revokes_every_token(self, client, person):
        keys = [token_for(person, "ci"), token_for(person, "crm")]
        other = token_for(factories.make_user(), "someone else")
        assert [status_with(key) for key in keys] == [200, 200]
        client.force_login(person)
        response = client.post(
            reverse("accounts:password-change"),
            {
                "old_password": DEFAULT_PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        assert response.status_code == 302
        assert [status_with(key) for key in keys] == [401, 401]
        assert not ApiToken.objects.filter(user=person).active().exists()
        assert status_with(other) == 200  # nobody else's
        # A token made afterwards works.
        assert status_with(token_for(person, "new")) == 200

    def test_resetting_the_password_by_email_revokes_them(self, client, person, mailoutbox):
        key = token_for(person)
        client.post(reverse("accounts:password-reset"), {"email": person.email})
        link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mailoutbox[0].body)
        page = client.get(link.group(1), follow=True)
        done = client.post(
            page.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert done.status_code == 302
        assert status_with(key) == 401

    def test_the_admin_password_form_and_the_command_revoke_them(self, person, monkeypatch):
        key = token_for(person)
        form = AdminPasswordChangeForm(
            person, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
        assert form.is_valid(), form.errors
        form.save()
        assert status_with(key) == 401
        key = token_for(person, "second")
        monkeypatch.setattr("getpass.getpass", lambda prompt="": "Yet-Another-Pass-88")
        call_command("changepassword", person.email, stdout=None)
        assert status_with(key) == 401

    def test_a_rehash_of_the_same_password_on_sign_in_keeps_them(self, person):
        """Django re-hashes a password when its hasher settings change; that is no change."""
        key = token_for(person)
        person.set_password(DEFAULT_PASSWORD)
        person._password = None  # what AbstractBaseUser.check_password's setter does
        person.save(update_fields=["password"])
        person.full_name = "改名"
        person.save()
        assert status_with(key) == 200
