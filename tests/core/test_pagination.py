"""core.pagination.query_without_page: the filters a page's links carry, without its number."""

from __future__ import annotations

from django.test import RequestFactory

from matchmaking.core.pagination import query_without_page


def test_the_page_goes_and_every_filter_stays_in_order():
    request = RequestFactory().get(
        "/x/", {"sector": ["finance", "healthcare"], "page": 3, "q": "客服"}
    )
    query = query_without_page(request)
    assert "page=" not in query
    assert query.startswith("sector=finance&sector=healthcare&q=")


def test_nothing_but_a_page_leaves_nothing():
    assert query_without_page(RequestFactory().get("/x/", {"page": 2})) == ""
