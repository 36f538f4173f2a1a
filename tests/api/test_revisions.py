"""The API goes through the same revision service as the edit form."""

from __future__ import annotations

import pytest

from matchmaking.listings import services
from tests import factories
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def live():
    return factories.make_offering(price_min=100_000, price_max=500_000)


class OfferingPatchTests:
    def test_patching_a_published_offering_returns_the_live_object_and_the_revision(self, live):
        member = factories.make_member(live.organization)
        response = client_for(member).patch(
            f"/api/v1/offerings/{live.pk}/",
            {"price_min": 150_000, "sectors": ["finance", "healthcare"]},
            format="json",
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["price_min"]) == ("published", 100_000)
        revision = body["pending_revision"]
        assert revision["status"] == "pending"
        assert revision["changed_fields"] == ["price_min", "sectors"]
        assert revision["proposed"]["price_min"] == 150_000
        assert revision["proposed"]["sectors"] == ["finance", "healthcare"]
        assert services.pending_revision(live).pk == revision["id"]

    def test_a_typo_fix_goes_live_and_no_revision_is_returned(self, live):
        member = factories.make_member(live.organization)
        fixed = live.description.replace("通话小结", "通话总结")
        response = client_for(member).patch(
            f"/api/v1/offerings/{live.pk}/", {"description": fixed}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["description"] == fixed
        assert response.json()["pending_revision"] is None

    def test_others_never_see_the_pending_revision(self, live):
        services.offering_update(offering=live, price_min=150_000)
        other = factories.make_member(factories.make_organization(kind="vendor"))
        admin = factories.make_user(is_staff=True, is_superuser=True)
        for user in (None, other):
            body = client_for(user).get(f"/api/v1/offerings/{live.pk}/").json()
            assert body["pending_revision"] is None
            assert body["price_min"] == 100_000
        body = client_for(admin).get(f"/api/v1/offerings/{live.pk}/").json()
        assert body["pending_revision"]["proposed"] == {"price_min": 150_000}
        listed = client_for(None).get("/api/v1/offerings/").json()
        assert "pending_revision" not in listed["results"][0]
