"""The listings selectors: a listing's taxonomy terms are read in one query and then cost
nothing."""

from __future__ import annotations

import pytest

from matchmaking.core import shared_cache
from matchmaking.listings import selectors
from matchmaking.listings.models import Need, Offering
from tests import factories

pytestmark = pytest.mark.django_db


class AttachTermsTests:
    @pytest.mark.parametrize("model", [Offering, Need])
    def test_terms_are_read_in_one_query_and_then_cost_nothing(
        self, model, django_assert_num_queries
    ):
        listing = (
            factories.make_offering(sectors=("healthcare", "finance"), app_types=("qa",))
            if model is Offering
            else factories.make_need(sectors=("healthcare", "finance"), deployment=("saas",))
        )
        fresh = model.objects.get(pk=listing.pk)
        expected = {name: list(getattr(listing, name).all()) for name in selectors.TERM_FIELDS}
        # As in a request: the shared taxonomy version is read once (core.shared_cache).
        shared_cache.begin_request()
        try:
            selectors.attach_terms(model.objects.get(pk=listing.pk))  # warms the taxonomy cache
            with django_assert_num_queries(1):
                selectors.attach_terms(fresh)
        finally:
            shared_cache.end_request()
        with django_assert_num_queries(0):
            for name in selectors.TERM_FIELDS:
                assert list(getattr(fresh, name).all()) == expected[name]

    @pytest.mark.parametrize("model", [Offering, Need])
    def test_querysets_derived_from_attached_terms_keep_to_the_listing(self, model):
        listing = (
            factories.make_offering(sectors=("healthcare",), app_types=("qa",))
            if model is Offering
            else factories.make_need(sectors=("healthcare",), app_types=("qa",))
        )
        fresh = model.objects.get(pk=listing.pk)
        selectors.attach_terms(fresh)
        assert list(fresh.sectors.values_list("code", flat=True)) == ["healthcare"]
        assert fresh.app_types.count() == 1
        assert not fresh.sectors.filter(code="finance").exists()
