"""The owner's view of a need (with its suggestions panel) costs a constant, small number of
queries, and the panel still shows only offerings that may be matched."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from matchmaking.matching import services
from matchmaking.matching.models import Suggestion
from matchmaking.matching.runtime import holder
from tests import factories

pytestmark = pytest.mark.django_db

# session, user (+ organization), the need, its taxonomy links, the notification badge, the
# suggestions, similar cases, the connections panel's figures (+ a spare for sign-in details),
# the pending revision, the shared cache's versions (one read per request) and, with no strong
# match, the relax counts and the no-good-match actions' state.
OWNER_NEED_PAGE_MAX = 12


@pytest.fixture(autouse=True)
def _fresh_engine():
    holder.reset()
    yield
    holder.reset()


def _offerings(count: int) -> list:
    vendor = factories.make_organization(kind="vendor")
    return [
        factories.make_offering(organization=vendor, title=f"金融智能客服大模型{index}")
        for index in range(count)
    ]


def _owner_page_queries(client, need) -> tuple[int, str]:
    client.get(need.get_absolute_url())  # warm the per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(need.get_absolute_url())
    assert response.status_code == 200
    return len(queries), response.content.decode()


class OwnerNeedPageQueryTests:
    def test_more_suggestions_cost_no_more_queries(self, client):
        need = factories.make_need(title="信用卡中心客服热线分流")
        client.force_login(need.organization.memberships.get().user)
        _offerings(2)
        services.suggestions_rebuild_all()
        assert Suggestion.objects.for_need(need).count() == 2
        few, _html = _owner_page_queries(client, need)

        _offerings(6)
        services.suggestions_rebuild_all()
        assert Suggestion.objects.for_need(need).count() >= 8
        many, html = _owner_page_queries(client, need)
        assert html.count('class="match-item"') >= 8
        assert many == few
        assert many <= OWNER_NEED_PAGE_MAX

    def test_the_page_stays_within_its_budget(self, client, django_assert_max_num_queries):
        need = factories.make_need(title="信用卡中心客服热线分流")
        _offerings(5)
        services.suggestions_rebuild_all()
        client.force_login(need.organization.memberships.get().user)
        client.get(need.get_absolute_url())
        with django_assert_max_num_queries(OWNER_NEED_PAGE_MAX):
            client.get(need.get_absolute_url())

    def test_rows_show_title_vendor_and_reasons_of_published_offerings_only(self, english):
        """Stored suggestions of an offering that was unpublished since are not shown."""
        need = factories.make_need(title="信用卡中心客服热线分流")
        shown, withdrawn = _offerings(2)
        services.suggestions_rebuild_all()
        withdrawn.status = "hidden"
        withdrawn.save(update_fields=["status"])
        assert Suggestion.objects.for_need(need).filter(offering=withdrawn).exists()
        english.force_login(need.organization.memberships.get().user)
        html = english.get(need.get_absolute_url()).content.decode()
        assert shown.title in html
        assert shown.organization.display_name in html
        assert "reason-met" in html
        assert withdrawn.title not in html
