"""Browse filters: every URL parameter, facet counts, errors, and Chinese keyword search.

These run on the database the suite is configured with; the PostgreSQL run of the suite
(DATABASE_URL=postgres://…) covers the same keyword tests there.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import QueryDict
from django.urls import reverse

from matchmaking.accounts.choices import VerificationStatus
from matchmaking.listings.browse import facets
from matchmaking.listings.browse.facets import published_cases
from matchmaking.listings.filtersets import NeedFilterSet, OfferingFilterSet
from matchmaking.listings.models import Need, Offering
from tests import factories

pytestmark = pytest.mark.django_db


def _titles(filterset) -> set[str]:
    return set(filterset.order(filterset.qs).values_list("title", flat=True))


def offerings(query: str) -> OfferingFilterSet:
    return OfferingFilterSet(QueryDict(query), queryset=Offering.objects.published())


def needs(query: str) -> NeedFilterSet:
    return NeedFilterSet(QueryDict(query), queryset=Need.objects.public())


@pytest.fixture
def catalogue(db):
    verified = factories.make_organization(kind="vendor", name="认证厂商")
    verified.verification_status = VerificationStatus.VERIFIED
    verified.save()
    plain = factories.make_organization(kind="vendor", name="普通厂商")
    make = factories.make_offering
    return {
        "客服": make(
            organization=verified,
            title="智能客服",
            summary="银行热线",
            description="回答常见问题",
            kind="product",
            layer="application",
            sectors=("finance",),
            app_types=("qa",),
            deployment=("private", "saas"),
            price_min=100_000,
            price_max=300_000,
            regions=["北京"],
            tags=[],
        ),
        "机器人": make(
            organization=plain,
            title="客服机器人",
            summary="医院导诊",
            description="门诊咨询",
            kind="product",
            layer="industry",
            sectors=("healthcare",),
            app_types=("qa",),
            deployment=("public_api",),
            price_min=20_000,
            price_max=None,
            regions=["上海"],
            tags=[],
        ),
        "算力": make(
            organization=plain,
            title="训练算力租赁",
            summary="A800 集群",
            description="按卡时计费",
            kind="compute",
            layer=None,
            sectors=(),
            app_types=(),
            deployment=("public_api",),
            price_min=None,
            price_max=None,
            regions=["全国"],
            tags=["GPU"],
        ),
        "数据": make(
            organization=verified,
            title="政务语料标注",
            summary="政务问答数据集",
            description="标注服务",
            kind="data",
            layer=None,
            sectors=("government",),
            app_types=("content_generation",),
            deployment=("private",),
            price_min=500_000,
            price_max=900_000,
            regions=["天津"],
            tags=["数据集"],
        ),
        "草稿": make(organization=verified, status="draft", title="草稿客服", sectors=("finance",)),
    }


class OfferingFilterTests:
    def test_no_filters_lists_every_published_offering(self, catalogue):
        assert _titles(offerings("")) == {"智能客服", "客服机器人", "训练算力租赁", "政务语料标注"}

    def test_sector_includes_sector_agnostic_offerings(self, catalogue):
        """An offering without sectors serves every sector."""
        assert _titles(offerings("sector=finance")) == {"智能客服", "训练算力租赁"}
        assert _titles(offerings("sector=finance&sector=healthcare")) == {
            "智能客服",
            "客服机器人",
            "训练算力租赁",
        }

    def test_app_type(self, catalogue):
        assert _titles(offerings("app_type=qa")) == {"智能客服", "客服机器人"}

    def test_kind(self, catalogue):
        assert _titles(offerings("kind=compute&kind=data")) == {"训练算力租赁", "政务语料标注"}

    def test_layer(self, catalogue):
        assert _titles(offerings("layer=industry")) == {"客服机器人"}

    def test_deployment(self, catalogue):
        assert _titles(offerings("deployment=private")) == {"智能客服", "政务语料标注"}

    def test_region_matches_the_region_or_nationwide(self, catalogue):
        assert _titles(offerings("region=北京")) == {"智能客服", "训练算力租赁"}

    def test_price_max_keeps_offerings_starting_at_or_below_it(self, catalogue):
        assert _titles(offerings("price_max=100000")) == {"智能客服", "客服机器人"}

    def test_price_min_keeps_offerings_reaching_it(self, catalogue):
        assert _titles(offerings("price_min=400000")) == {"政务语料标注"}

    def test_verified_vendors_only(self, catalogue):
        assert _titles(offerings("verified=1")) == {"智能客服", "政务语料标注"}

    def test_case_filters_match_nothing_until_the_cases_app_sets_the_hook(
        self, catalogue, monkeypatch
    ):
        from matchmaking.cases.selectors import published_cases as provider

        published_cases.unregister(provider)
        try:
            assert _titles(offerings("has_cases=1")) == set()
            assert _titles(offerings("vendor_cases=1")) == set()
            assert offerings("").facet_counts()["has_cases"] == {"1": 0}
        finally:
            published_cases.register(provider)

    def test_has_cases_needs_a_published_case_linked_to_that_offering(self, catalogue):
        """A vendor's case backs only the offering it is linked to, not its other offerings."""
        from tests.cases.conftest import make_case

        vendor = catalogue["客服"].organization
        make_case(vendor=vendor, status="published", offering=catalogue["客服"])
        make_case(vendor=vendor, status="submitted", offering=catalogue["数据"])
        assert _titles(offerings("has_cases=1")) == {"智能客服"}
        assert offerings("").facet_counts()["has_cases"] == {"1": 1}

    def test_vendor_cases_follow_the_filtered_sector_or_the_offerings_own(self, catalogue):
        """vendor_cases: the vendor has a published case in the filtered sector; with no
        sector filtered, in one of the offering's own sectors."""
        from matchmaking.taxonomy.models import Sector
        from tests.cases.conftest import make_case

        vendor = catalogue["客服"].organization  # also sells 政务语料标注 (government)
        make_case(vendor=vendor, status="published", sector=Sector.objects.get(code="finance"))
        assert _titles(offerings("vendor_cases=1")) == {"智能客服"}
        # the same vendor's government offering is not backed by a finance case …
        assert "政务语料标注" not in _titles(offerings("vendor_cases=1&sector=government"))
        # … but with finance filtered, its sector-agnostic and finance offerings are
        assert _titles(offerings("vendor_cases=1&sector=finance")) == {"智能客服"}
        plain = catalogue["算力"].organization  # sector-agnostic 训练算力租赁
        make_case(vendor=plain, status="published", sector=Sector.objects.get(code="finance"))
        assert _titles(offerings("vendor_cases=1&sector=finance")) == {"智能客服", "训练算力租赁"}
        assert offerings("sector=finance").facet_counts()["vendor_cases"] == {"1": 2}

    def test_compliance_flags(self, catalogue):
        """信创 (a domestic platform listed), data on premises, and 备案 (the vendor
        organization has a filing number) each filter and count."""
        Offering.objects.filter(pk=catalogue["客服"].pk).update(domestic_platforms=["昇腾"])
        Offering.objects.filter(pk=catalogue["机器人"].pk).update(on_premises_data=True)
        vendor = catalogue["数据"].organization
        vendor.filing_number = "Beijing-XXX-2023-001"
        vendor.save()
        assert _titles(offerings("domestic=1")) == {"智能客服"}
        assert _titles(offerings("on_premises=1")) == {"客服机器人"}
        assert _titles(offerings("filed=1")) == {"智能客服", "政务语料标注"}
        assert _titles(offerings("filed=1&domestic=1")) == {"智能客服"}
        counts = offerings("domestic=1").facet_counts()
        assert counts["domestic"] == {"1": 1}  # a flag's count ignores its own box
        assert counts["filed"] == {"1": 1} and counts["on_premises"] == {"1": 0}

    def test_filters_combine_with_and_across_parameters(self, catalogue):
        assert _titles(offerings("app_type=qa&deployment=private&verified=1")) == {"智能客服"}

    def test_sort_by_price(self, catalogue):
        asc = list(offerings("sort=price_asc").order(offerings("sort=price_asc").qs))
        assert [o.title for o in asc][:3] == ["客服机器人", "智能客服", "政务语料标注"]
        assert asc[-1].title == "训练算力租赁"  # no price: last
        filterset = offerings("sort=price_desc")
        assert next(iter(filterset.order(filterset.qs))).title == "政务语料标注"

    def test_sort_newest_by_default(self, catalogue):
        filterset = offerings("")
        assert filterset.active_sort() == "newest"
        assert filterset.order(filterset.qs).first().title == "政务语料标注"


class ChineseKeywordSearchTests:
    def test_two_characters_find_words_containing_them(self, catalogue):
        """q=客服 finds 智能客服 and 客服机器人 (but not the draft)."""
        assert _titles(offerings("q=客服")) == {"智能客服", "客服机器人"}

    def test_search_reaches_summary_description_keywords_and_vendor(self, catalogue):
        assert _titles(offerings("q=导诊")) == {"客服机器人"}
        assert _titles(offerings("q=卡时")) == {"训练算力租赁"}
        assert _titles(offerings("q=gpu")) == {"训练算力租赁"}  # case-insensitive for Latin
        assert _titles(offerings("q=认证厂商")) == {"智能客服", "政务语料标注"}

    def test_many_hits_fall_back_to_like_conditions_with_the_same_results(
        self, catalogue, monkeypatch
    ):
        """Above SEARCH_ID_LIMIT hits each query keeps the LIKE condition; results are equal."""
        monkeypatch.setattr(facets, "SEARCH_ID_LIMIT", 0)
        assert _titles(offerings("q=客服")) == {"智能客服", "客服机器人"}
        assert offerings("q=客服").facet_counts()["kind"] == {"product": 2}

    def test_several_terms_must_all_match(self, catalogue):
        assert _titles(offerings("q=客服 银行")) == {"智能客服"}
        assert _titles(offerings("q=客服 算力")) == set()

    def test_relevance_ranks_title_matches_first(self, catalogue):
        factories.make_offering(title="坐席系统", summary="含客服质检", description="质检")
        filterset = offerings("q=客服")
        assert filterset.active_sort() == "relevance"
        ranked = [o.title for o in filterset.order(filterset.qs)]
        assert ranked[-1] == "坐席系统"

    def test_the_need_list_searches_chinese_too(self, db):
        factories.make_need(title="热线智能客服", description="排队")
        factories.make_need(title="病历质控", description="客服无关")
        factories.make_need(title="公文写作", description="起草通知")
        assert {n.title for n in needs("q=客服").qs} == {"热线智能客服", "病历质控"}


class FacetCountTests:
    def test_counts_per_choice(self, catalogue):
        counts = offerings("").facet_counts()
        assert counts["kind"] == {"product": 2, "compute": 1, "data": 1}
        assert counts["layer"] == {"application": 1, "industry": 1}
        assert counts["app_type"] == {"qa": 2, "content_generation": 1}
        assert counts["deployment"] == {"private": 2, "saas": 1, "public_api": 2}
        assert counts["verified"] == {"1": 2}
        # the sector-agnostic compute offering counts under every sector
        assert counts["sector"]["finance"] == 2
        assert counts["sector"]["smart_city"] == 1

    def test_a_facet_ignores_its_own_selection_but_not_the_others(self, catalogue):
        counts = offerings("kind=product&deployment=private").facet_counts()
        assert counts["kind"] == {"product": 1, "data": 1}  # deployment applied, kind not
        assert counts["deployment"] == {"private": 1, "saas": 1, "public_api": 1}

    def test_list_page_shows_counts_next_to_choices(self, client, catalogue):
        html = client.get(reverse("listings:offering-list") + "?kind=product").content.decode()
        assert 'data-facet-count="kind:compute">1<' in html
        assert 'data-facet-count="app_type:qa">2<' in html

    def test_sidebar_shows_the_evidence_and_compliance_groups_in_both_languages(
        self, client, catalogue
    ):
        Offering.objects.filter(pk=catalogue["客服"].pk).update(on_premises_data=True)
        url = reverse("listings:offering-list")
        html = client.get(url).content.decode()
        for label in (
            "信创：适配国产软硬件",
            "数据本地化",
            "生成式人工智能服务备案",
            "本产品有已发布案例",
        ):
            assert label in html
        assert "厂商在本产品所属行业有已发布案例" in html
        assert "厂商在所选行业有已发布案例" in client.get(url + "?sector=finance").content.decode()
        assert 'data-facet-count="on_premises:1">1<' in html
        client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "en"})
        html = client.get(url).content.decode()
        for label in (
            "Xinchuang: runs on domestic hardware/OS",
            "Data stays on premises",
            "Vendor has a generative-AI service filing",
            "A published case of this offering",
            "Vendor has a published case in the offering's sector",
        ):
            assert label in html, label

    def test_case_counts_follow_a_case_publication(self, client, catalogue):
        """Publishing a case changes the case facets on the next page view (cached counts
        and the browse index's case masks are not kept past it)."""
        from tests.cases.conftest import make_case

        url = reverse("listings:offering-list")
        assert 'data-facet-count="has_cases:1">0<' in client.get(url).content.decode()
        make_case(vendor=catalogue["客服"].organization, status="published",
                  offering=catalogue["客服"])  # fmt: skip
        html = client.get(url).content.decode()
        assert 'data-facet-count="has_cases:1">1<' in html
        assert 'data-facet-count="vendor_cases:1">1<' in html

    def test_cached_counts_follow_writes(self, client, catalogue):
        """Counts are cached, and a service write makes the next page count afresh."""
        from matchmaking.listings import services

        url = reverse("listings:offering-list")
        assert 'data-facet-count="kind:compute">1<' in client.get(url).content.decode()
        services.offering_archive(offering=catalogue["算力"])
        assert 'data-facet-count="kind:compute">0<' in client.get(url).content.decode()


class FilterErrorTests:
    def test_an_unknown_code_is_a_form_error_and_the_other_filters_still_apply(self, catalogue):
        filterset = offerings("sector=astrology&kind=compute")
        assert not filterset.is_valid()
        assert "sector" in filterset.errors
        assert _titles(filterset) == {"训练算力租赁"}

    def test_the_page_shows_the_error_instead_of_failing(self, english, catalogue):
        response = english.get(reverse("listings:offering-list") + "?kind=spaceship")
        assert response.status_code == 200
        assert "spaceship is not one of the available choices" in response.content.decode()

    def test_price_range_upside_down_is_an_error(self, english, catalogue):
        filterset = offerings("price_min=500&price_max=100")
        assert filterset.errors["price_max"][0]
        response = english.get(reverse("listings:offering-list") + "?price_min=500&price_max=100")
        assert response.status_code == 200
        assert "cannot be lower than the lower bound" in response.content.decode()

    def test_non_numeric_price_is_an_error_not_a_crash(self, client, catalogue):
        response = client.get(reverse("listings:offering-list") + "?price_max=lots&page=zz")
        assert response.status_code == 200


class NeedFilterTests:
    @pytest.fixture
    def board(self, db):
        make = factories.make_need
        return [
            make(
                title="银行客服",
                sectors=("finance",),
                app_types=("qa",),
                deployment=("private",),
                budget_min=100_000,
                budget_max=300_000,
                region="北京",
            ),
            make(
                title="医院病历",
                sectors=("healthcare",),
                app_types=("data_analysis",),
                deployment=(),
                budget_min=800_000,
                budget_max=None,
                region="上海",
            ),
            make(
                title="政务公文",
                sectors=("government",),
                app_types=("content_generation",),
                deployment=("saas",),
                budget_min=None,
                budget_max=50_000,
                region="",
            ),
        ]

    def _titles(self, query):
        filterset = needs(query)
        return {n.title for n in filterset.order(filterset.qs)}

    def test_sector_and_app_type(self, board):
        assert self._titles("sector=finance") == {"银行客服"}
        assert self._titles("app_type=data_analysis&app_type=content_generation") == {
            "医院病历",
            "政务公文",
        }

    def test_deployment_includes_needs_that_accept_any_mode(self, board):
        assert self._titles("deployment=private") == {"银行客服", "医院病历"}

    def test_region_includes_needs_without_a_region(self, board):
        assert self._titles("region=北京") == {"银行客服", "政务公文"}

    def test_budget_ranges_overlap(self, board):
        assert self._titles("budget_min=500000") == {"医院病历"}
        assert self._titles("budget_max=100000") == {"银行客服"}

    def test_budget_range_upside_down_is_an_error(self, board):
        assert "budget_max" in needs("budget_min=9&budget_max=1").errors

    def test_facets(self, board):
        counts = needs("").facet_counts()
        assert counts["sector"] == {"finance": 1, "healthcare": 1, "government": 1}
        assert counts["deployment"]["private"] == 2  # the any-mode need counts too

    def test_sort_by_budget(self, board):
        filterset = needs("sort=budget_desc")
        assert [n.title for n in filterset.order(filterset.qs)][0] == "银行客服"


class DeclaredFiltersTests:
    """Each FilterSet gets its own copies of the declared filters (cheaper than django-filter's
    deep copy) and a form class kept per language and term choices."""

    def test_each_filterset_has_filters_of_its_own_bound_to_it(self, catalogue):
        first, second = offerings("sector=finance"), offerings("sector=healthcare")
        declared = OfferingFilterSet.base_filters["sector"]
        assert first.filters["sector"] is not second.filters["sector"]
        assert first.filters["sector"].extra is not declared.extra
        first.filters["sector"].extra["choices"] = [("nowhere", "Nowhere")]
        assert second.filters["sector"].extra["choices"] != first.filters["sector"].extra["choices"]
        assert declared.extra["choices"] != first.filters["sector"].extra["choices"]
        # the method wrapper of each copy filters through its own filterset
        assert first.filters["sector"].filter.f is first.filters["sector"]
        assert first.filters["sector"].parent is first
        assert second.filters["sector"].parent is second
        assert _titles(offerings("sector=finance")) != _titles(offerings("sector=healthcare"))

    def test_the_form_class_is_kept_per_language_and_each_form_has_its_own_fields(self, catalogue):
        from django.utils import translation

        with translation.override("en"):
            english = offerings("sector=finance")
            again = offerings("sector=nope")
            assert type(english.form) is type(again.form)
            assert english.form.fields is not again.form.fields
            assert english.form.is_valid() and not again.form.is_valid()
            assert "sector" in again.form.errors
            english_labels = dict(english.form.fields["sector"].choices)
        with translation.override("zh-hans"):
            chinese = offerings("sector=finance")
            assert type(chinese.form) is not type(english.form)
            assert dict(chinese.form.fields["sector"].choices) != english_labels
