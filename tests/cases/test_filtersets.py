"""The gallery's filters and order: sector, app_type, layer, min_score, vendor, q; featured first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matchmaking.cases import selectors, services
from matchmaking.cases.choices import CaseStatus
from matchmaking.cases.filtersets import CaseFilterSet
from matchmaking.taxonomy.models import ApplicationType, Layer, Sector
from tests import factories
from tests.cases.conftest import make_case

pytestmark = pytest.mark.django_db


def titles(params: dict) -> set[str]:
    filterset = CaseFilterSet(params, queryset=selectors.case_list(user=None))
    assert filterset.is_valid(), filterset.errors
    return {case.title for case in filterset.qs}


@pytest.fixture
def library(vendor, curator):
    """Three published cases that differ on every filter, and a draft that never shows."""
    other_vendor = factories.make_organization(kind="vendor")
    make_case(
        vendor=vendor,
        status=CaseStatus.PUBLISHED,
        admin=curator,
        title="银行客服",
        scores={"innovation": 5, "demonstration": 5, "benefit": 4, "replicability": 4},
    )
    make_case(
        vendor=vendor,
        status=CaseStatus.PUBLISHED,
        admin=curator,
        title="病历生成",
        sector=Sector.objects.get(code="healthcare"),
        app_type=ApplicationType.objects.get(code="content_generation"),
        layer=Layer.objects.get(code="industry"),
        scores={"innovation": 3, "demonstration": 3, "benefit": 3, "replicability": 3},
    )
    make_case(
        vendor=other_vendor,
        status=CaseStatus.PUBLISHED,
        admin=curator,
        title="城市事件识别",
        client="示例区城市运行管理中心",
        sector=Sector.objects.get(code="smart_city"),
        app_type=ApplicationType.objects.get(code="recognition"),
        layer=Layer.objects.get(code="application"),
        scores={"innovation": 2, "demonstration": 2, "benefit": 2, "replicability": 3},
    )
    make_case(vendor=vendor, title="草稿里的银行案例")
    return {"vendor": vendor, "other_vendor": other_vendor}


class CaseFilterSetTests:
    def test_no_filters_lists_every_published_case(self, library):
        assert titles({}) == {"银行客服", "病历生成", "城市事件识别"}

    def test_sector_filters_by_code(self, library):
        assert titles({"sector": "finance"}) == {"银行客服"}

    def test_app_type_filters_by_code(self, library):
        assert titles({"app_type": "content_generation"}) == {"病历生成"}

    def test_layer_filters_by_code(self, library):
        assert titles({"layer": "application"}) == {"银行客服", "城市事件识别"}

    def test_min_score_keeps_cases_at_or_above_the_overall_score(self, library):
        # overall scores: 4.50, 3.00, 2.25
        assert titles({"min_score": "3"}) == {"银行客服", "病历生成"}
        assert titles({"min_score": "4.5"}) == {"银行客服"}

    def test_vendor_filters_by_organization(self, library):
        assert titles({"vendor": str(library["other_vendor"].pk)}) == {"城市事件识别"}

    def test_q_searches_title_client_and_text(self, library):
        assert titles({"q": "城市运行"}) == {"城市事件识别"}

    def test_filters_combine(self, library):
        assert titles({"sector": "finance", "min_score": "4"}) == {"银行客服"}
        assert titles({"sector": "finance", "app_type": "recognition"}) == set()

    def test_an_unknown_sector_code_is_a_form_error(self, library):
        filterset = CaseFilterSet({"sector": "fintech"}, queryset=selectors.case_list(user=None))
        assert not filterset.is_valid()
        assert "sector" in filterset.errors

    def test_a_minimum_score_above_five_is_a_form_error(self, library):
        filterset = CaseFilterSet({"min_score": "7"}, queryset=selectors.case_list(user=None))
        assert "min_score" in filterset.errors


class CaseOrderTests:
    def test_featured_cases_come_first_in_their_order_then_by_score(self, library, curator):
        """Featured cases lead (lower order first) even when they score lower."""
        low = services.case_feature(
            actor=curator,
            case=selectors.case_list(user=None).get(title="城市事件识别"),
            featured=True,
            order=1,
        )
        mid = services.case_feature(
            actor=curator,
            case=selectors.case_list(user=None).get(title="病历生成"),
            featured=True,
            order=2,
        )
        ordered = [case.title for case in selectors.case_list(user=None)]
        assert ordered == [low.title, mid.title, "银行客服"]

    def test_unfeatured_cases_are_ordered_by_overall_score(self, library):
        ordered = [case.title for case in selectors.case_list(user=None)]
        assert ordered == ["银行客服", "病历生成", "城市事件识别"]

    def test_the_gallery_page_filters_by_sector_over_http(self, client, library):
        response = client.get(reverse("cases:case-list"), {"sector": "smart_city"})
        assert response.status_code == 200
        assert [case.title for case in response.context["cases"]] == ["城市事件识别"]

    def test_the_gallery_page_shows_a_bad_filter_at_its_field(self, client, english, library):
        response = english.get(reverse("cases:case-list"), {"sector": "fintech"})
        assert response.status_code == 200
        assert "sector" in response.context["filterset"].form.errors
