"""The in-memory browse index (listings.browse.offerings.OfferingIndex) gives exactly what the SQL
path gives — same rows in the same order, same totals, same facet counts — and never serves
a change late: a new or changed offering shows on the next page view."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.urls import reverse

from matchmaking.listings import selectors
from matchmaking.listings.browse import index as browse_index
from matchmaking.listings.browse.offerings import offering_index
from matchmaking.listings.browse.selectors import offering_browse
from matchmaking.listings.filtersets import OfferingFilterSet
from tests import factories

COMBINATIONS = [
    "",
    "sector=finance",
    "sector=healthcare&app_type=qa",
    "app_type=qa&app_type=data_analysis&deployment=private",
    "kind=product&layer=application",
    "price_min=150000",
    "price_max=120000",
    "price_min=100000&price_max=400000&sort=price_asc",
    "sort=price_desc",
    "region=上海",
    "verified=1",
    "q=客服",
    "q=客服 机器人&sort=relevance",
    "q=数据&sector=finance",
    "q=nothing-matches",
    "domestic=1",
    "on_premises=1",
    "filed=1",
    "domestic=1&filed=1&sector=finance",
    "has_cases=1",
    "vendor_cases=1",
    "vendor_cases=1&sector=healthcare",
    "vendor_cases=1&sector=finance&sector=government&has_cases=1",
    "on_premises=1&q=数据&sort=price_desc",
]


@pytest.fixture
def world(db):
    vendor = factories.make_organization(kind="vendor")
    other = factories.make_organization(kind="vendor")
    specs = [
        dict(title="智能客服机器人", sectors=("finance",), price_min=100_000, price_max=200_000),
        dict(title="客服坐席辅助", sectors=(), app_types=("qa", "data_analysis")),
        dict(
            title="医疗数据标注",
            kind="data",
            layer=None,
            sectors=("healthcare",),
            app_types=("data_analysis",),
            price_min=None,
            price_max=None,
            regions=["上海"],
        ),
        dict(
            title="政务问答",
            sectors=("government",),
            deployment=("public_api",),
            price_min=300_000,
            price_max=None,
        ),
        dict(
            title="金融数据分析",
            sectors=("finance",),
            app_types=("data_analysis",),
            price_min=50_000,
            price_max=80_000,
            regions=["北京"],
        ),
    ]
    made = []
    for number, spec in enumerate(specs * 3):
        made.append(
            factories.make_offering(
                organization=vendor if number % 2 else other,
                domestic_platforms=["昇腾", "麒麟"] if number % 3 == 0 else [],
                on_premises_data=number % 4 == 1,
                **spec,
            )
        )
    factories.make_offering(organization=vendor, status="draft", title="草稿客服")
    vendor.filing_number = "Beijing-WangXin-2024-0001"
    vendor.save()
    # a published case linked to one offering (finance), one of the other vendor's in
    # healthcare linked to none, and one under review that backs nothing
    from matchmaking.taxonomy.models import Sector
    from tests.cases.conftest import make_case

    make_case(vendor=vendor, status="published", offering=made[1])
    make_case(vendor=other, status="published", sector=Sector.objects.get(code="healthcare"))
    make_case(vendor=other, status="submitted", offering=made[0])
    return {"vendor": vendor, "other": other, "made": made}


def _sql(query: str):
    filterset = OfferingFilterSet(
        QueryDict(query) or None, queryset=selectors.offering_list_queryset(AnonymousUser())
    )
    rows = list(filterset.order(filterset.qs).values_list("pk", flat=True))
    return rows, filterset.facet_counts()


def _indexed(query: str):
    found = offering_browse(params=QueryDict(query), user=AnonymousUser(), page=1, per_page=10_000)
    assert found.index is not None  # the in-memory path answered
    return found.page.object_list, found.counts


class OfferingBrowseIndexTests:
    @pytest.mark.parametrize("query", COMBINATIONS)
    def test_index_answers_like_the_database(self, world, query):
        """Rows, order and every facet count equal the SQL path's for this combination."""
        assert _indexed(query) == _sql(query)

    def test_a_vendor_given_a_filing_number_shows_under_filed_without_a_rebuild(self, world):
        """备案 follows the organization: the index patches its rows, and agrees with SQL."""
        browse_index.reset_indexes()
        before = offering_index()
        assert _indexed("filed=1") == _sql("filed=1")
        other = world["other"]
        other.filing_number = "Beijing-WangXin-2024-0002"
        other.save()
        after = offering_index()
        assert after is not before and after.built_at == before.built_at  # patched, not rebuilt
        assert _indexed("filed=1") == _sql("filed=1")
        assert len(_indexed("filed=1")[0]) == len(world["made"])

    def test_an_offering_without_a_linked_case_is_not_counted_as_backed(self, world):
        """Only the offering its published case is linked to counts under has_cases."""
        ids, counts = _indexed("has_cases=1")
        assert ids == [world["made"][1].pk] and counts["has_cases"] == {"1": 1}
        assert _sql("has_cases=1")[0] == ids

    def test_compliance_edit_is_patched_into_the_index(self, world):
        browse_index.reset_indexes()
        offering_index()
        target = world["made"][2]
        target.on_premises_data = not target.on_premises_data
        target.domestic_platforms = [] if target.domestic_platforms else ["海光"]
        target.save()
        for query in ("on_premises=1", "domestic=1", "domestic=1&on_premises=1"):
            assert _indexed(query) == _sql(query), query

    def test_a_new_offering_shows_on_the_next_page_view(self, world, client):
        """The index is rebuilt when offerings change (newest updated_at / id moved)."""
        client.get(reverse("listings:offering-list"))
        factories.make_offering(title="全新上架的客服平台")
        response = client.get(reverse("listings:offering-list"), {"q": "全新上架"})
        assert [o.title for o in response.context["object_list"]] == ["全新上架的客服平台"]

    def test_an_edited_text_is_found_by_its_new_words_and_not_its_old_ones(self, world, client):
        """Keyword search follows the edit (the search column is carried over, not rebuilt)."""
        from matchmaking.listings.indexing import apply_offering_index
        from matchmaking.listings.models import Offering

        listing = reverse("listings:offering-list")
        client.get(listing, {"q": "政务问答"})
        target = Offering.objects.filter(title="政务问答").order_by("pk").first()
        target.title = "海关报关问答"
        apply_offering_index(target, organization_name=target.organization.name)
        target.save()
        found = [o.pk for o in client.get(listing, {"q": "海关报关"}).context["object_list"]]
        assert found == [target.pk]
        old = [o.pk for o in client.get(listing, {"q": "政务问答"}).context["object_list"]]
        assert target.pk not in old and len(old) == 2

    def test_a_changed_offering_leaves_the_results_at_once(self, world, client):
        from matchmaking.listings.models import Offering

        target = Offering.objects.get(
            title="政务问答",
            pk=Offering.objects.filter(title="政务问答").order_by("pk").values("pk")[:1],
        )
        client.get(reverse("listings:offering-list"), {"sector": "government"})
        target.status = "archived"
        target.save()
        response = client.get(reverse("listings:offering-list"), {"sector": "government"})
        assert target.pk not in [o.pk for o in response.context["object_list"]]


def _reload_urls():
    import importlib

    from django.urls import clear_url_caches

    import matchmaking.core.urls
    import matchmaking.urls

    importlib.reload(matchmaking.core.urls)
    importlib.reload(matchmaking.urls)
    clear_url_caches()


@pytest.mark.django_db
class BenchViewTests:
    def test_plain_view_is_not_routed_by_default_in_production(self, client, settings, monkeypatch):
        """Without DEBUG and DJANGO_BENCH_VIEWS=1 the yardstick page does not exist."""
        settings.DEBUG = False
        monkeypatch.delenv("DJANGO_BENCH_VIEWS", raising=False)
        _reload_urls()
        assert client.get("/_bench/plain").status_code == 404

    def test_plain_view_answers_ok_when_enabled(self, client, settings, monkeypatch):
        """DJANGO_BENCH_VIEWS=1 routes /_bench/plain: a plain 200 "ok" through the middleware."""
        settings.DEBUG = False
        monkeypatch.setenv("DJANGO_BENCH_VIEWS", "1")
        _reload_urls()
        try:
            response = client.get("/_bench/plain")
        finally:
            monkeypatch.delenv("DJANGO_BENCH_VIEWS")
            _reload_urls()
        assert response.status_code == 200
        assert response.content == b"ok"
        assert client.get("/_bench/plain").status_code == 404
