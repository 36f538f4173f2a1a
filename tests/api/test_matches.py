"""/needs/{id}/matches/ and /offerings/{id}/matches/: stored suggestions with scores and
reasons, readable by the listing's own members (and admins) only, through matching's selectors."""

from __future__ import annotations

import pytest

from matchmaking.matching.models import Direction, Suggestion
from tests import factories
from tests.api.conftest import client_for

REASONS = [
    {"code": "sector", "met": True, "params": {"sectors": ["finance"]}},
    {"code": "deployment_missing", "met": False, "params": {}},
]


@pytest.fixture
def pair(db):
    enterprise = factories.make_organization(kind="enterprise", name="匿名银行甲")
    vendor = factories.make_organization(kind="vendor")
    need = factories.make_need(organization=enterprise, visibility="anonymous")
    offering = factories.make_offering(organization=vendor)
    for direction in (Direction.FOR_NEED, Direction.FOR_OFFERING):
        Suggestion.objects.create(
            need=need,
            offering=offering,
            direction=direction,
            score=87.5,
            rank=1,
            components={},
            reasons=REASONS,
        )
    return {
        "need": need,
        "offering": offering,
        "enterprise_user": enterprise.memberships.get().user,
        "vendor_user": vendor.memberships.get().user,
    }


@pytest.mark.django_db
class MatchesTests:
    def test_need_members_read_suggested_offerings_with_score_and_reasons(self, pair):
        rows = (
            client_for(pair["enterprise_user"])
            .get(f"/api/v1/needs/{pair['need'].pk}/matches/")
            .json()
        )
        assert len(rows) == 1
        row = rows[0]
        assert row["score"] == 87.5 and row["offering"]["id"] == pair["offering"].pk
        assert [r["met"] for r in row["reasons"]] == [True, False]
        assert len(row["met"]) == 1 and len(row["missing"]) == 1

    def test_vendor_reads_matching_needs_without_the_anonymous_posters_name(self, pair):
        response = client_for(pair["vendor_user"]).get(
            f"/api/v1/offerings/{pair['offering'].pk}/matches/"
        )
        assert response.status_code == 200
        rows = response.json()
        assert [row["need"]["id"] for row in rows] == [pair["need"].pk]
        assert rows[0]["need"]["organization"] is None
        assert "匿名银行甲" not in response.content.decode()

    @pytest.mark.parametrize(
        "who,need_code,offering_code",
        [
            ("visitor", 403, 403),
            ("vendor_user", 403, 200),
            ("enterprise_user", 200, 403),
            ("stranger", 403, 403),
        ],
    )
    def test_only_the_listings_own_members_read_its_matches(
        self, pair, who, need_code, offering_code
    ):
        user = (
            factories.make_organization(kind="vendor").memberships.get().user
            if who == "stranger"
            else pair.get(who)
        )
        api = client_for(user)
        assert api.get(f"/api/v1/needs/{pair['need'].pk}/matches/").status_code == need_code
        assert api.get(f"/api/v1/offerings/{pair['offering'].pk}/matches/").status_code == (
            offering_code
        )

    def test_matches_of_an_invisible_listing_are_404(self, pair):
        draft = factories.make_need(organization=pair["need"].organization, status="draft")
        api = client_for(pair["vendor_user"])
        assert api.get(f"/api/v1/needs/{draft.pk}/matches/").status_code == 404

    def test_a_vendor_does_not_see_needs_it_may_not_see_in_its_matches(self, pair):
        """A need that turned private drops out of the vendor's list (needs scope)."""
        pair["need"].visibility = "private"
        pair["need"].save(update_fields=["visibility"])
        rows = (
            client_for(pair["vendor_user"])
            .get(f"/api/v1/offerings/{pair['offering'].pk}/matches/")
            .json()
        )
        assert rows == []


@pytest.mark.django_db(transaction=True)
class MatchesEndToEndTests:
    def test_posting_a_need_through_the_api_then_reading_its_matches(self):
        """The README example: list finance offerings, post a need, read its matches."""
        from matchmaking.matching import services as matching_services

        vendor = factories.make_organization(kind="vendor")
        offering = factories.make_offering(organization=vendor, title="银行智能客服大模型")
        matching_services.suggestions_refresh_for_offering(offering=offering, notify=False)
        user = factories.make_organization(kind="enterprise").memberships.get().user
        api = client_for(user)
        listed = api.get("/api/v1/offerings/?sector=finance").json()["results"]
        assert [row["id"] for row in listed] == [offering.pk]
        need = api.post(
            "/api/v1/needs/",
            {
                "title": "信用卡中心智能客服",
                "description": "账单日来电排队严重，希望用智能客服机器人回答常见问题。",
                "sectors": ["finance"],
                "app_types": ["qa"],
                "budget_max": 800000,
                "publish": True,
            },
            format="json",
        ).json()
        matching_services.suggestions_refresh_for_need(need=need["id"], notify=False)
        rows = api.get(f"/api/v1/needs/{need['id']}/matches/").json()
        assert [row["offering"]["id"] for row in rows] == [offering.pk]
        assert rows[0]["score"] > 0 and rows[0]["met"]
