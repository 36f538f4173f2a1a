"""The in-memory browse index (listings.browse_index.OfferingIndex) gives exactly what the SQL
path gives — same rows in the same order, same totals, same facet counts — and never serves
a change late: a new or changed offering shows on the next page view."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.urls import reverse

from matchmaking.listings import browse_index, selectors
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
    for number, spec in enumerate(specs * 3):
        factories.make_offering(organization=vendor if number % 2 else other, **spec)
    factories.make_offering(organization=vendor, status="draft", title="草稿客服")


def _sql(query: str):
    filterset = OfferingFilterSet(
        QueryDict(query) or None, queryset=selectors.offering_list_queryset(AnonymousUser())
    )
    rows = list(filterset.order(filterset.qs).values_list("pk", flat=True))
    return rows, filterset.facet_counts()


def _indexed(query: str):
    filterset = OfferingFilterSet(
        QueryDict(query) or None, queryset=selectors.offering_list_queryset(AnonymousUser())
    )
    ids, counts = filterset.indexed_results(browse_index.offering_index())
    return [int(pk) for pk in ids], counts


class BrowseIndexTests:
    @pytest.mark.parametrize("query", COMBINATIONS)
    def test_index_answers_like_the_database(self, world, query):
        """Rows, order and every facet count equal the SQL path's for this combination."""
        assert _indexed(query) == _sql(query)

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
