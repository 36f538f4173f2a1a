"""Browse rows are rendered once and reused (listings.cards) — but never shown stale: a saved
offering or vendor shows its change on the next page view, and each language has its rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matchmaking.accounts import services as account_services
from tests import factories

LIST = reverse("listings:offering-list")


@pytest.fixture
def offering(db):
    return factories.make_offering(title="智能客服机器人", sectors=())


def _titles(response) -> list[str]:
    return [card.title for card in response.context["object_list"]]


class OfferingCardTests:
    def test_the_second_view_of_a_page_reads_no_listing_rows(self, offering, client):
        """Rows come from the card cache: no query for the offerings' rows or their terms."""
        client.get(LIST)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert _titles(response) == ["智能客服机器人"]
        row_reads = [
            query["sql"]
            for query in queries.captured_queries
            if "listings_offering_sectors" in query["sql"]
            or '"listings_offering"."summary"' in query["sql"]
        ]
        assert row_reads == []

    def test_a_saved_offering_shows_its_change_on_the_next_page_view(self, offering, client):
        client.get(LIST)
        offering.title = "智能客服机器人 二代"
        offering.save()
        response = client.get(LIST)
        assert _titles(response) == ["智能客服机器人 二代"]
        assert "智能客服机器人 二代" in response.content.decode()

    def test_a_vendor_verified_after_caching_shows_its_badge_on_the_next_page_view(
        self, offering, client, english
    ):
        admin = factories.make_user(is_staff=True)
        assert "badge-verified" not in client.get(LIST).content.decode()
        account_services.verification_decide(
            organization=offering.organization, admin=admin, grant=True
        )
        assert "badge-verified" in client.get(LIST).content.decode()

    def test_each_language_gets_its_own_rows(self, offering, client):
        """A sector-agnostic offering reads 全部行业 in Chinese and "All sectors" in English,
        whichever language asked first."""
        assert "全部行业" in client.get(LIST).content.decode()
        client.cookies["django_language"] = "en"
        english = client.get(LIST).content.decode()
        assert "All sectors" in english
        assert "全部行业" not in english
