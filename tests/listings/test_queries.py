"""List pages run a constant number of queries, however many rows they show."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PAGES = [
    ("listings:offering-list", ""),
    (
        "listings:offering-list",
        "?q=客服&sector=finance&deployment=private&verified=1&sort=relevance",
    ),
    ("listings:need-list", ""),
    ("listings:need-list", "?q=客服&sector=finance&budget_min=1"),
]


def _populate(count: int) -> None:
    vendor = factories.make_organization(kind="vendor")
    vendor.verification_status = "verified"
    vendor.save()
    enterprise = factories.make_organization(kind="enterprise")
    for i in range(count):
        factories.make_offering(
            organization=vendor,
            sectors=("finance", "healthcare"),
            app_types=("qa", "content_generation"),
            deployment=("private", "saas"),
        )
        factories.make_need(
            organization=enterprise if i % 2 else None,
            visibility="anonymous" if i % 3 else "public",
            deployment=("private",),
        )


def _settle(client, url: str) -> None:
    """Bring the in-memory browse index up to date (built or patched: a varying number of
    queries that is the index's, not the page's), then empty the caches."""
    client.get(url)
    cache.clear()


def _count(client, url: str) -> int:
    _settle(client, url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(("name", "query"), PAGES)
def test_list_pages_use_constant_queries(client, django_assert_num_queries, settings, name, query):
    """5 rows and 30 rows (one full page plus) cost the same number of queries."""
    settings.LISTINGS_PAGE_SIZE = 30
    url = reverse(name) + query
    _populate(5)
    expected = _count(client, url)
    _populate(25)
    _settle(client, url)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["object_list"]) >= 5


@pytest.mark.parametrize(("name", "query"), PAGES)
def test_signed_in_list_pages_use_constant_queries(
    client, django_assert_num_queries, settings, name, query
):
    settings.LISTINGS_PAGE_SIZE = 30
    client.force_login(factories.make_member(factories.make_organization(kind="vendor")))
    url = reverse(name) + query
    _populate(5)
    expected = _count(client, url)
    _populate(25)
    _settle(client, url)
    with django_assert_num_queries(expected):
        client.get(url)


def test_cached_counts_save_the_facet_queries(client):
    """A repeat view of the same filters reads facet counts and the total from the cache."""
    _populate(3)
    url = reverse("listings:offering-list") + "?sector=finance"
    cold = _count(client, url)
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    assert len(warm) < cold
