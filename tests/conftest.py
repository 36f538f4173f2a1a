"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a per-test temporary folder, never the developer's media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def english(client):
    """Make the test client ask for English pages (for assertions on English text)."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def enterprise_owner(db):
    return factories.make_organization(kind="enterprise").memberships.get().user


@pytest.fixture
def vendor_owner(db):
    return factories.make_organization(kind="vendor").memberships.get().user


@pytest.fixture
def admin_user(db):
    return factories.make_user(email="admin@example.com", is_staff=True, is_superuser=True)
