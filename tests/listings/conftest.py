"""Fixtures for the listings tests: one world with two enterprises and two vendors."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests import factories


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Many users are made here; hash their passwords cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Facet counts and totals are cached; every test starts from an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def enterprise(db):
    return factories.make_organization(kind="enterprise", name="保密银行股份有限公司")


@pytest.fixture
def enterprise_member(enterprise):
    return factories.make_member(enterprise)


@pytest.fixture
def other_enterprise_member(db):
    return factories.make_member(factories.make_organization(kind="enterprise"))


@pytest.fixture
def vendor(db):
    return factories.make_organization(kind="vendor", name="智云语言智能")


@pytest.fixture
def vendor_member(vendor):
    return factories.make_member(vendor)


@pytest.fixture
def other_vendor_member(db):
    return factories.make_member(factories.make_organization(kind="vendor"))


@pytest.fixture
def staff(db):
    return factories.make_user(email="staff@example.com", is_staff=True)
