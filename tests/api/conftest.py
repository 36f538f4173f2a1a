"""Fixtures for the API tests: a DRF client, tokens, and a clean throttle cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from matchmaking.api import services


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters live in the default cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def token_for(user, name: str = "test") -> str:
    _token, key = services.token_create(user=user, name=name)
    return key


def client_for(user) -> APIClient:
    """An API client authenticated with a fresh token of ``user`` (anonymous for None)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client
