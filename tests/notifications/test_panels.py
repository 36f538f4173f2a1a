"""The "save this search" link on the browse pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


class SaveSearchLinkTests:
    def test_signed_in_user_gets_a_link_carrying_the_current_filters(self, client):
        """The link keeps every filter of the browse page (but not the page number)."""
        user = factories.make_organization(kind="enterprise").memberships.get().user
        client.force_login(user)
        response = client.get(
            reverse("listings:offering-list"),
            {"sector": ["finance", "healthcare"], "q": "客服", "page": "1"},
        )
        html = response.content.decode()
        start = html.index(
            'class="button button-small button-secondary save-search-link" href="'
        ) + len('class="button button-small button-secondary save-search-link" href="')
        url = html[start : html.index('"', start)].replace("&amp;", "&")
        parsed = urlparse(url)
        assert parsed.path == reverse("notifications:saved-search-create")
        query = parse_qs(parsed.query)
        assert query["target"] == ["offerings"]
        assert query["sector"] == ["finance", "healthcare"]
        assert query["q"] == ["客服"]
        assert "page" not in query

    def test_needs_page_links_with_the_needs_target(self, client):
        user = factories.make_organization(kind="vendor").memberships.get().user
        client.force_login(user)
        html = client.get(reverse("listings:need-list")).content.decode()
        assert "target=needs" in html

    def test_visitors_get_no_link(self, client):
        html = client.get(reverse("listings:offering-list")).content.decode()
        assert "save-search-link" not in html
