"""Detail pages run a small, constant number of queries, whoever looks and however much the
listing holds (terms, screenshots, cases)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matchmaking.core import shared_cache
from matchmaking.listings import selectors
from matchmaking.listings.models import Need, Offering, OfferingScreenshot
from matchmaking.taxonomy.models import Sector
from tests import factories

pytestmark = pytest.mark.django_db

# Queries per page view, at most (session, user and organization, the listing, its links to
# the taxonomy, screenshots, the notification badge, one per panel that has something to ask,
# and for the listing's members and admins its proposed changes, and the versions in the
# shared cache — read once per request, see core/shared_cache.py).
OFFERING_PAGE_MAX = 12
# 13 for a need: the owner's page of a need with no strong match also counts the offerings
# that relaxing each hard constraint would bring and reads the state of its two actions.
NEED_PAGE_MAX = 13

ALL_SECTORS = ("finance", "healthcare", "government", "manufacturing", "education")
ALL_APP_TYPES = ("qa", "content_generation", "data_analysis", "recognition")
ALL_DEPLOYMENT = ("private", "saas", "hybrid")


def _viewers():
    vendor = factories.make_organization(kind="vendor")
    enterprise = factories.make_organization(kind="enterprise")
    return vendor, {
        "visitor": None,
        "enterprise member": enterprise.memberships.get().user,
        "other vendor": factories.make_organization(kind="vendor").memberships.get().user,
        "owner": vendor.memberships.get().user,
        "staff": factories.make_user(is_staff=True),
    }


def _count(client, user, url) -> int:
    client.logout()
    if user is not None:
        client.force_login(user)
    client.get(url)  # warm: first-use caches (taxonomy terms, templates)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _add_screenshots(offering, count):
    for index in range(count):
        OfferingScreenshot.objects.create(
            offering=offering, image=f"s/{index}.png", thumbnail=f"s/{index}_t.png", order=index
        )


class OfferingDetailQueryTests:
    def test_every_viewer_costs_the_same_few_queries_however_rich_the_offering(self, client):
        vendor, viewers = _viewers()
        plain = factories.make_offering(
            organization=vendor, sectors=(), app_types=(), deployment=()
        )
        rich = factories.make_offering(
            organization=vendor,
            sectors=ALL_SECTORS,
            app_types=ALL_APP_TYPES,
            deployment=ALL_DEPLOYMENT,
        )
        _add_screenshots(rich, 5)
        for label, user in viewers.items():
            small = _count(client, user, plain.get_absolute_url())
            large = _count(client, user, rich.get_absolute_url())
            assert small == large, label
            assert large <= OFFERING_PAGE_MAX, (label, large)

    def test_the_page_stays_within_its_budget(self, client, django_assert_max_num_queries):
        vendor, viewers = _viewers()
        offering = factories.make_offering(
            organization=vendor, sectors=ALL_SECTORS, app_types=ALL_APP_TYPES
        )
        client.force_login(viewers["enterprise member"])
        client.get(offering.get_absolute_url())
        with django_assert_max_num_queries(OFFERING_PAGE_MAX):
            client.get(offering.get_absolute_url())

    def test_terms_are_listed_in_taxonomy_order_including_retired_ones(self, english):
        """The page names every linked term, in the taxonomy's order — also a term that has
        since been retired (no longer offered in forms and filters)."""
        offering = factories.make_offering(
            sectors=("healthcare", "finance"), app_types=("qa",), deployment=("saas",)
        )
        retired = Sector.objects.get(code="finance")
        retired.is_active = False
        retired.save()
        english.get(offering.get_absolute_url())
        html = english.get(offering.get_absolute_url()).content.decode()
        sectors = sorted(
            Sector.objects.filter(code__in=("healthcare", "finance")),
            key=lambda s: (s.order, s.code),
        )
        names = [sector.name_en for sector in sectors]
        assert f"{names[0]}, {names[1]}" in html  # English separator

    def test_only_the_vendors_members_get_the_edit_buttons(self, client):
        vendor, viewers = _viewers()
        offering = factories.make_offering(organization=vendor)
        edit_url = reverse("listings:offering-edit", args=[offering.pk])
        for label, user in viewers.items():
            client.logout()
            if user is not None:
                client.force_login(user)
            response = client.get(offering.get_absolute_url())
            assert response.context["can_edit"] is (label == "owner"), label
            assert (edit_url in response.content.decode()) is (label == "owner"), label


class NeedDetailQueryTests:
    def test_every_viewer_costs_the_same_few_queries_however_rich_the_need(self, client):
        _vendor, viewers = _viewers()
        enterprise = viewers["enterprise member"].membership.organization
        viewers["owner"] = viewers.pop("enterprise member")
        plain = factories.make_need(organization=enterprise, sectors=(), app_types=())
        rich = factories.make_need(
            organization=enterprise,
            sectors=ALL_SECTORS,
            app_types=ALL_APP_TYPES,
            deployment=ALL_DEPLOYMENT,
        )
        for label, user in viewers.items():
            small = _count(client, user, plain.get_absolute_url())
            large = _count(client, user, rich.get_absolute_url())
            assert abs(small - large) <= 1, label  # + the similar-cases lookup when it has sectors
            assert large <= NEED_PAGE_MAX, (label, large)

    def test_the_page_stays_within_its_budget(self, client, django_assert_max_num_queries):
        _vendor, viewers = _viewers()
        need = factories.make_need(sectors=ALL_SECTORS, app_types=ALL_APP_TYPES)
        client.force_login(viewers["other vendor"])
        client.get(need.get_absolute_url())
        with django_assert_max_num_queries(NEED_PAGE_MAX):
            client.get(need.get_absolute_url())


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
