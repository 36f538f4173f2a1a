"""A browse index patched with the rows changed since it was built (browse.index.BrowseIndex
.patched) equals an index built from scratch on the same data: same rows in the same order,
same columns, same term links, same keyword answers."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaking.listings.browse import index as browse_index
from matchmaking.listings.browse.needs import NeedIndex, need_index
from matchmaking.listings.browse.offerings import OfferingIndex, offering_index
from matchmaking.listings.browse.offerings import holder as offerings_holder
from matchmaking.listings.indexing import apply_need_index, apply_offering_index
from matchmaking.listings.models import Need, Offering
from matchmaking.taxonomy.models import Sector
from tests import factories

TERMS = ["客服", "知识库", "海关", "政务问答", "质检", "医疗", "a"]


@pytest.fixture
def world(db):
    return make_world()


def make_world():
    """Three vendors' offerings and two enterprises' needs of every visibility."""
    vendors = [factories.make_organization(kind="vendor") for _ in range(3)]
    enterprises = [factories.make_organization(kind="enterprise") for _ in range(2)]
    for number in range(12):
        factories.make_offering(
            organization=vendors[number % 3],
            title=("政务问答", "智能客服", "医疗影像")[number % 3] + str(number),
            sectors=(("finance",), ("healthcare", "government"), ())[number % 3],
            price_min=None if number % 4 == 0 else 10_000 * number,
        )
        factories.make_need(
            organization=enterprises[number % 2],
            visibility=("public", "anonymous", "private")[number % 3],
            title=("客服热线", "质检需求", "知识库建设")[number % 3] + str(number),
        )
    return vendors, enterprises


def _same(patched, fresh):
    assert patched.ids.tolist() == fresh.ids.tolist()
    for name, dtype, _make in fresh.base_columns + fresh.columns:
        numeric = np.issubdtype(np.dtype(dtype), np.floating)
        assert np.array_equal(getattr(patched, name), getattr(fresh, name), equal_nan=numeric), name
    for name, _make in fresh.list_columns:
        assert getattr(patched, name) == getattr(fresh, name), name
    for name, mask in fresh.masks.items():
        # bit numbers may differ between builds: compare the terms of every row
        def terms(index, rows=mask, facet=name):
            bits = {bit: term for term, bit in index.bits[facet].items()}
            return [
                sorted(bits[b] for b in bits if value >> b & 1)
                for value in index.masks[facet].tolist()
            ]

        assert terms(patched) == terms(fresh), name
    for name, _field in fresh.search_columns:
        for term in TERMS:
            found = getattr(patched, name).rows_containing(term).tolist()
            assert found == getattr(fresh, name).rows_containing(term).tolist(), (name, term)


def _change_offerings(vendors):
    first, second, third = Offering.objects.order_by("pk")[:3]
    first.title = "海关报关问答"
    apply_offering_index(first, organization_name=first.organization.name)
    first.save()
    second.status = "archived"
    second.save()
    third.price_max = 999_999
    third.save()
    third.sectors.set(Sector.objects.filter(code__in=["finance", "government"]))
    factories.make_offering(
        organization=vendors[0], title="全新客服知识库", sectors=("smart_city",)
    )
    vendors[1].verification_status = "verified"
    vendors[1].save()


def _change_needs(enterprises):
    first, second = Need.objects.order_by("pk")[:2]
    first.title = "海关质检"
    apply_need_index(first)
    first.save()
    second.status = "closed"
    second.save()
    factories.make_need(organization=enterprises[1], title="全新医疗质检", visibility="anonymous")
    enterprises[0].name = "改名企业"
    enterprises[0].save()


class PatchingTests:
    def test_an_offering_index_patched_after_edits_equals_a_fresh_build(self, world):
        vendors, _enterprises = world
        browse_index.reset_indexes()
        before = offering_index()
        _change_offerings(vendors)
        patched = offering_index()
        assert patched is not before and patched.built_at == before.built_at  # patched
        _same(patched, OfferingIndex())

    def test_a_need_index_patched_after_edits_equals_a_fresh_build(self, world):
        _vendors, enterprises = world
        browse_index.reset_indexes()
        before = need_index()
        _change_needs(enterprises)
        patched = need_index()
        assert patched is not before and patched.built_at == before.built_at
        _same(patched, NeedIndex())
        assert patched.position == {pk: i for i, pk in enumerate(patched.ids.tolist())}

    def test_patching_twice_in_a_row_still_equals_a_fresh_build(self, world):
        vendors, enterprises = world
        browse_index.reset_indexes()
        offering_index()
        _change_offerings(vendors)
        offering_index()
        Offering.objects.filter(status="published").order_by("-pk").first().save()
        factories.make_offering(organization=vendors[2], title="第二轮新增客服")
        patched = offering_index()
        _same(patched, OfferingIndex())

    def test_a_new_taxonomy_term_on_a_row_rebuilds_the_index(self, world):
        vendors, _enterprises = world
        browse_index.reset_indexes()
        before = offering_index()
        Sector.objects.create(code="space", name_zh="航天", name_en="Space")
        factories.make_offering(organization=vendors[0], sectors=("space",))
        after = offering_index()
        assert after.built_at > before.built_at  # rebuilt, not patched
        _same(after, OfferingIndex())

    def test_many_changed_rows_rebuild_the_index(self, world, monkeypatch):
        monkeypatch.setattr(browse_index, "MAX_PATCHED_ROWS", 2)
        browse_index.reset_indexes()
        before = offering_index()
        for offering in Offering.objects.all()[:3]:
            offering.save()
        assert offering_index().built_at > before.built_at

    def test_an_organization_change_reaches_its_rows(self, world):
        vendors, _enterprises = world
        browse_index.reset_indexes()
        offering_index()
        vendors[2].verification_status = "verified"
        vendors[2].save()
        index = offering_index()
        rows = np.isin(index.ids, list(vendors[2].offerings.values_list("pk", flat=True)))
        assert index.verified[rows].all()

    def test_rows_deleted_alongside_a_change_are_dropped(self, world):
        vendors, _enterprises = world
        browse_index.reset_indexes()
        offering_index()
        gone = Offering.objects.filter(status="published").order_by("pk").first().pk
        Offering.objects.filter(pk=gone).delete()
        factories.make_offering(organization=vendors[0], title="删除之后的新增")
        index = offering_index()
        assert gone not in index.ids.tolist()
        _same(index, OfferingIndex())

    def test_a_row_with_a_term_no_row_had_yet_is_patched_in(self, world):
        """Every active term has its bit from the start: a first offering in a sector is
        patched in, not a reason to rebuild."""
        vendors, _enterprises = world
        browse_index.reset_indexes()
        before = offering_index()
        assert not Offering.objects.filter(sectors__code="culture_tourism").exists()
        first = factories.make_offering(organization=vendors[0], sectors=("culture_tourism",))
        assert first.sectors.get().code == "culture_tourism"
        after = offering_index()
        assert after.built_at == before.built_at  # patched
        _same(after, OfferingIndex())

    def test_a_write_racing_a_patch_is_patched_in_next_not_taken_for_a_deletion(
        self, world, monkeypatch
    ):
        """Another process saving a row while this one patches makes the row count differ;
        that is not a deletion: the patch stands and the next request patches the new row."""
        vendors, _enterprises = world
        browse_index.reset_indexes()
        before = offering_index()
        holder = offerings_holder
        original = browse_index.IndexHolder._changed_ids

        def changed_then_a_concurrent_write(self, since):
            found = original(self, since)
            monkeypatch.setattr(browse_index.IndexHolder, "_changed_ids", original)
            factories.make_offering(organization=vendors[1], title="并发写入的新品")
            return found

        monkeypatch.setattr(
            browse_index.IndexHolder, "_changed_ids", changed_then_a_concurrent_write
        )
        factories.make_offering(organization=vendors[0], title="本次补丁的新品")
        patched = holder.get()
        assert patched.built_at == before.built_at  # patched, not rebuilt
        latest = offering_index()
        assert latest.built_at == before.built_at
        _same(latest, OfferingIndex())

    def test_an_index_older_than_the_maximum_age_is_rebuilt(self, world, settings):
        """The safety net for writes the change feed does not see (raw SQL): past the age, a full rebuild."""
        browse_index.reset_indexes()
        before = offering_index()
        assert offering_index() is before  # nothing changed, still young
        settings.LISTINGS_INDEX_MAX_AGE_SECONDS = 0
        assert offering_index().built_at > before.built_at
