"""List endpoints take the HTML pages' parameters through the same FilterSets."""

from __future__ import annotations

import pytest

from tests import factories
from tests.api.conftest import client_for


@pytest.fixture
def listings(db):
    verified = factories.make_organization(kind="vendor")
    verified.verification_status = "verified"
    verified.save(update_fields=["verification_status"])
    plain = factories.make_organization(kind="vendor")
    return {
        "finance_qa": factories.make_offering(
            organization=verified,
            title="银行智能客服",
            sectors=("finance",),
            app_types=("qa",),
            deployment=("private",),
            price_min=100_000,
            price_max=300_000,
        ),
        "health_gen": factories.make_offering(
            organization=plain,
            title="病历生成助手",
            summary="病历文书生成",
            description="自动生成门诊病历。",
            sectors=("healthcare",),
            app_types=("content_generation",),
            deployment=("saas",),
            kind="service",
            layer="industry",
            price_min=2_000_000,
            price_max=5_000_000,
            regions=["上海"],
        ),
        "compute": factories.make_offering(
            organization=plain,
            title="国产算力租赁",
            summary="昇腾集群按卡时计费",
            description="昇腾算力。",
            kind="compute",
            layer="foundation",
            sectors=(),
            app_types=(),
            deployment=("public_api",),
            price_min=None,
            price_max=None,
        ),
    }


def _ids(api, query):
    response = api.get(f"/api/v1/offerings/?{query}")
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _html_ids(client, query):
    return [o.pk for o in client.get(f"/offerings/?{query}").context["object_list"]]


QUERIES = [
    "sector=finance",
    "sector=healthcare&sector=finance",
    "app_type=content_generation",
    "kind=compute",
    "layer=industry",
    "deployment=private",
    "region=上海",
    "price_min=1000000",
    "price_max=500000",
    "verified=1",
    "q=客服",
    "q=算力 昇腾",
    "sort=price_desc",
    "sort=price_asc",
    "q=病历&sort=relevance",
    "domestic=1",
    "on_premises=1",
    "filed=1",
    "domestic=1&filed=1",
    "has_cases=1",
    "vendor_cases=1&sector=finance",
]


@pytest.mark.django_db
class OfferingFilterTests:
    @pytest.mark.parametrize("query", QUERIES)
    def test_api_and_html_page_return_the_same_rows_in_the_same_order(
        self, listings, client, query
    ):
        api = client_for(None)
        assert _ids(api, query) == _html_ids(client, query)

    def test_finance_filter_and_chinese_keyword(self, listings):
        api = client_for(None)
        assert listings["finance_qa"].pk in _ids(api, "sector=finance")
        assert listings["health_gen"].pk not in _ids(api, "sector=finance")
        assert _ids(api, "q=银行") == [listings["finance_qa"].pk]
        assert _ids(api, "q=病历") == [listings["health_gen"].pk]

    def test_compliance_filters(self, listings):
        """信创, data on premises and 备案 (the vendor's filing number) as API filters."""
        from matchmaking.listings.models import Offering

        Offering.objects.filter(pk=listings["compute"].pk).update(domestic_platforms=["昇腾"])
        Offering.objects.filter(pk=listings["health_gen"].pk).update(on_premises_data=True)
        vendor = listings["finance_qa"].organization
        vendor.filing_number = "Beijing-WangXin-2024-0001"
        vendor.save()
        api = client_for(None)
        assert _ids(api, "domestic=1") == [listings["compute"].pk]
        assert _ids(api, "on_premises=1") == [listings["health_gen"].pk]
        assert _ids(api, "filed=1") == [listings["finance_qa"].pk]
        assert _ids(api, "filed=1&domestic=1") == []
        assert len(_ids(api, "filed=false")) == 3  # an unticked box filters nothing

    def test_unknown_code_is_a_field_error(self, listings):
        response = client_for(None).get("/api/v1/offerings/?sector=nonsense")
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["sector"]

    def test_inverted_price_range_is_a_field_error(self, listings):
        response = client_for(None).get("/api/v1/offerings/?price_min=10&price_max=5")
        assert response.status_code == 400
        assert "price_max" in response.json()["error"]["fields"]

    def test_huge_numbers_are_a_field_error_not_a_crash(self, listings):
        response = client_for(None).get("/api/v1/offerings/?price_min=1e40")
        assert response.status_code == 400
        assert "price_min" in response.json()["error"]["fields"]

    def test_page_size_is_capped(self, listings, settings):
        settings.API_MAX_PAGE_SIZE = 2
        body = client_for(None).get("/api/v1/offerings/?page_size=50").json()
        assert len(body["results"]) == 2 and body["count"] == 3 and body["next"]


@pytest.mark.django_db
class NeedFilterTests:
    def test_need_parameters_match_the_html_page(self, client):
        factories.make_need(title="信用卡客服分流", sectors=("finance",), budget_max=300_000)
        factories.make_need(
            title="病历质控",
            description="医院病历质控。",
            sectors=("healthcare",),
            app_types=("data_analysis",),
            region="上海",
            budget_min=None,
            budget_max=None,
        )
        api = client_for(None)
        for query in [
            "sector=finance",
            "app_type=data_analysis",
            "region=上海",
            "budget_min=250000",
            "q=客服",
            "q=病历",
            "sort=budget_desc",
        ]:
            api_ids = [row["id"] for row in api.get(f"/api/v1/needs/?{query}").json()["results"]]
            html_ids = [n.pk for n in client.get(f"/needs/?{query}").context["object_list"]]
            assert api_ids == html_ids, query
