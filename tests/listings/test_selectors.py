"""The listings selectors: a listing's taxonomy terms are read in one query and then cost
nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from matchmaking.core import shared_cache
from matchmaking.core.page_cache import read_page_versions
from matchmaking.listings import selectors
from matchmaking.listings.models import Need, Offering, OfferingScreenshot
from matchmaking.taxonomy.selectors import active_terms
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
        # As in a request: the shared versions are read once (core.shared_cache), and the
        # taxonomy's terms come from the process's cache.
        shared_cache.begin_request()
        try:
            read_page_versions()
            for name in (*selectors.TERM_FIELDS, *(("kind", "layer") if model is Offering else ())):
                active_terms(model._meta.get_field(name).related_model)
            with django_assert_num_queries(1):
                selectors.attach_terms(fresh)
        finally:
            shared_cache.end_request()
        with django_assert_num_queries(0):
            for name in selectors.TERM_FIELDS:
                assert list(getattr(fresh, name).all()) == expected[name]

    @pytest.mark.parametrize("links", ["several", "none"])
    def test_a_need_read_for_its_page_brings_its_links(self, links, django_assert_num_queries):
        """``need_page_queryset`` reads the links with the need (TermLinks): its terms then
        cost no query at all."""
        need = (
            factories.make_need(
                sectors=("healthcare", "finance"), app_types=("qa",), deployment=("saas",)
            )
            if links == "several"
            else factories.make_need(sectors=(), app_types=(), deployment=())
        )
        expected = {name: list(getattr(need, name).all()) for name in selectors.TERM_FIELDS}
        shared_cache.begin_request()
        try:
            read_page_versions()
            for name in selectors.TERM_FIELDS:
                active_terms(Need._meta.get_field(name).related_model)
            with django_assert_num_queries(1):
                shown = selectors.need_page_queryset(AnonymousUser()).get(pk=need.pk)
                selectors.attach_terms(shown)
                for name in selectors.TERM_FIELDS:
                    assert list(getattr(shown, name).all()) == expected[name]
        finally:
            shared_cache.end_request()
        assert sum(len(terms) for terms in expected.values()) == (4 if links == "several" else 0)

    # Transactional: each write commits, as in production.
    @pytest.mark.django_db(transaction=True)
    @pytest.mark.parametrize("write", ["service", "plain set", "term deleted"])
    def test_the_request_after_a_write_reads_the_new_links(self, write):
        """A need's page shows the links as they are: through the services, a plain
        ``.set()`` as a script does it, and a deleted term is not shown."""
        from matchmaking.listings.services import need_update
        from matchmaking.taxonomy.models import Sector

        need = factories.make_need(sectors=("healthcare", "finance"))
        viewer = factories.make_user()

        def sectors_seen():
            shared_cache.begin_request()
            try:
                read_page_versions()
                shown = selectors.need_page_queryset(viewer).get(pk=need.pk)
                selectors.attach_terms(shown)
                return sorted(sector.code for sector in shown.sectors.all())
            finally:
                shared_cache.end_request()

        assert sectors_seen() == ["finance", "healthcare"]
        if write == "service":
            need_update(need=Need.objects.get(pk=need.pk), sectors=["government"])
            assert sectors_seen() == ["government"]
        elif write == "plain set":
            Need.objects.get(pk=need.pk).sectors.set(Sector.objects.filter(code="industry"))
            assert sectors_seen() == ["industry"]
        else:
            Sector.objects.filter(code="finance").get().delete()
            assert sectors_seen() == ["healthcare"]

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


class OfferingPageReadTests:
    def test_kind_layer_terms_and_screenshots_come_with_one_query(self, django_assert_num_queries):
        """The offering page reads the row, then ONE query for its terms and screenshots;
        kind and layer come from the taxonomy cache. Afterwards nothing is read again."""
        offering = factories.make_offering(sectors=("finance",), app_types=("qa",))
        for order, name in ((2, "b"), (0, "c"), (1, "a"), (0, "d")):
            OfferingScreenshot.objects.create(
                offering=offering,
                image=f"s/{name}.png",
                thumbnail=f"s/{name}_t.png",
                caption=f"<{name}>",
                order=order,
            )
        expected = list(OfferingScreenshot.objects.filter(offering=offering))  # Meta.ordering
        shared_cache.begin_request()
        try:
            selectors.attach_terms(Offering.objects.get(pk=offering.pk), screenshots=True)  # warm
            fresh = selectors.offering_page_queryset().get(pk=offering.pk)
            with django_assert_num_queries(1):
                selectors.attach_terms(fresh, screenshots=True)
        finally:
            shared_cache.end_request()
        with django_assert_num_queries(0):
            assert fresh.kind.code == "product"
            assert fresh.layer.code == "application"
            assert [term.code for term in fresh.sectors.all()] == ["finance"]
            shots = list(fresh.screenshots.all())
            assert [shot.pk for shot in shots] == [shot.pk for shot in expected]
            assert [(s.image.url, s.thumbnail.url, s.caption) for s in shots] == [
                (s.image.url, s.thumbnail.url, s.caption) for s in expected
            ]
            assert all(shot.offering is fresh for shot in shots)
        # the fields the page does not show are still there when asked for
        assert shots[0].created_at == expected[0].created_at
        # a query derived from them keeps to this offering's screenshots
        other = factories.make_offering()
        OfferingScreenshot.objects.create(offering=other, image="s/o.png", thumbnail="s/o_t.png")
        derived = fresh.screenshots.filter(order__gte=0).values_list("pk", flat=True)
        assert sorted(derived) == sorted(shot.pk for shot in expected)

    def test_an_offering_without_screenshots_has_an_empty_gallery(self):
        offering = factories.make_offering(layer=None)
        fresh = selectors.offering_page_queryset().get(pk=offering.pk)
        selectors.attach_terms(fresh, screenshots=True)
        assert fresh.layer is None
        assert list(fresh.screenshots.all()) == []


class NeedPageReadTests:
    def test_only_viewers_shown_the_revision_state_read_the_revision_mark(self):
        """The mark (``has_revisions``) feeds ``revision_state``, shown to the need's members
        and platform admins only: everyone else's read leaves its subquery out."""
        need = factories.make_need()
        member = need.organization.memberships.get().user
        admin = factories.make_user(is_staff=True)
        vendor_member = factories.make_organization(kind="vendor").memberships.get().user
        for viewer, marked in (
            (AnonymousUser(), False),
            (factories.make_user(), False),
            (vendor_member, True),  # a member of an organization: its own needs are editable
            (member, True),
            (admin, True),
        ):
            queryset = selectors.need_page_queryset(viewer).filter(pk=need.pk)
            assert ("listings_listingrevision" in str(queryset.query)) is marked, viewer
            shown = queryset.get()
            assert shown.pk == need.pk
            assert (getattr(shown, "has_revisions", None) is False) is marked
