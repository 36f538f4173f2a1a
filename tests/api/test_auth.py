"""API tokens: created and revoked on the profile page, stored hashed, checked per request."""

from __future__ import annotations

import hashlib
import re

import pytest
from rest_framework.test import APIClient

from matchmaking.api import services
from matchmaking.api.models import ApiToken
from tests import factories


@pytest.mark.django_db
class TokenPanelTests:
    def test_profile_page_lists_the_users_tokens_with_create_and_revoke(
        self, english, enterprise_owner
    ):
        """The profile page shows the API-token panel with a create form and each token."""
        services.token_create(user=enterprise_owner, name="CRM sync")
        english.force_login(enterprise_owner)
        html = english.get("/accounts/profile/").content.decode()
        assert 'data-testid="api-tokens"' in html
        assert "CRM sync" in html
        assert "/api/tokens/create/" in html

    def test_creating_a_token_shows_the_key_once_and_stores_only_its_hash(
        self, client, enterprise_owner
    ):
        """The key appears on the result page; the database holds its SHA-256, not the key."""
        client.force_login(enterprise_owner)
        response = client.post("/api/tokens/create/", {"name": "ERP"})
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        key = re.search(r'data-testid="api-token-key">([^<]+)<', response.content.decode()).group(1)
        token = ApiToken.objects.get(user=enterprise_owner, name="ERP")
        assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert key not in [token.key_hash, token.prefix, token.name]
        assert key.startswith(token.prefix)
        # The profile page afterwards shows the prefix, never the whole key.
        assert key not in client.get("/accounts/profile/").content.decode()
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api.get("/api/v1/connections/").status_code == 200
        token.refresh_from_db()
        assert token.last_used_at is not None

    def test_a_token_without_a_name_is_refused_at_the_field(self, client, enterprise_owner):
        client.force_login(enterprise_owner)
        response = client.post("/api/tokens/create/", {"name": ""})
        assert response.status_code == 400
        assert "name" in response.context["token_form"].errors
        assert not ApiToken.objects.exists()

    def test_visitors_cannot_create_tokens(self, client):
        response = client.post("/api/tokens/create/", {"name": "x"})
        assert response.status_code == 302
        assert not ApiToken.objects.exists()

    def test_revoked_token_is_refused_with_401(self, client, enterprise_owner):
        """After revoking on the profile page, the key no longer authenticates."""
        token, key = services.token_create(user=enterprise_owner, name="old")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api.get("/api/v1/notifications/").status_code == 200
        client.force_login(enterprise_owner)
        assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 302
        token.refresh_from_db()
        assert token.revoked_at is not None
        response = api.get("/api/v1/notifications/")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "authentication_failed"
        assert response["WWW-Authenticate"] == "Token"

    def test_nobody_revokes_another_users_token(self, client, enterprise_owner):
        token, _key = services.token_create(user=enterprise_owner, name="mine")
        other = factories.make_user()
        client.force_login(other)
        assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None

    def test_unknown_and_malformed_tokens_are_401(self):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION="Token mm_not-a-real-key")
        assert api.get("/api/v1/needs/").status_code == 401
        api.credentials(HTTP_AUTHORIZATION="Token a b")
        assert api.get("/api/v1/needs/").status_code == 401

    def test_session_authentication_works_for_the_site(self, enterprise_owner):
        api = APIClient()
        api.force_login(enterprise_owner)
        assert api.get("/api/v1/notifications/").status_code == 200


@pytest.mark.django_db
class ThrottleTests:
    def test_anonymous_clients_are_throttled_per_client(self, settings):
        settings.API_THROTTLE_RATES = {"anon": "3/minute", "user": "100/minute"}
        api = APIClient()
        codes = [api.get("/api/v1/taxonomy/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        body = api.get("/api/v1/taxonomy/").json()
        assert body["error"]["code"] == "throttled"

    def test_users_are_throttled_per_user(self, settings, enterprise_owner):
        settings.API_THROTTLE_RATES = {"anon": "100/minute", "user": "2/minute"}
        _token, key = services.token_create(user=enterprise_owner, name="t")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        codes = [api.get("/api/v1/taxonomy/").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        # Another user has their own allowance.
        other = factories.make_organization(kind="vendor").memberships.get().user
        _token, other_key = services.token_create(user=other, name="t")
        api.credentials(HTTP_AUTHORIZATION=f"Token {other_key}")
        assert api.get("/api/v1/taxonomy/").status_code == 200
