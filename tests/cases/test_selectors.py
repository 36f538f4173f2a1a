"""The cases selectors behind the panels on offering and need pages: one cheap query when there
is nothing to show, and the same cases in the same order as before when there is."""

from __future__ import annotations

import pytest

from matchmaking.cases import selectors, services
from matchmaking.cases.choices import CaseStatus
from matchmaking.cases.models import Case
from matchmaking.taxonomy.models import ApplicationType, Sector
from tests import factories
from tests.cases.conftest import make_case

pytestmark = pytest.mark.django_db


def _need(sectors=("finance",), app_types=("qa",)):
    return factories.make_need(sectors=sectors, app_types=app_types)


class SimilarCasesTests:
    def test_exact_matches_come_first_in_featured_order_and_alone(self, vendor, curator):
        """Same sector and application type: those cases only (featured first), even when
        fewer than the limit and same-sector cases of other types exist."""
        plain = make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title="同类型甲")
        featured = make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title="同类型乙")
        services.case_feature(actor=curator, case=featured, featured=True, order=1)
        other_type = make_case(
            vendor=vendor,
            status=CaseStatus.PUBLISHED,
            title="别的类型",
            app_type=ApplicationType.objects.get(code="data_analysis"),
        )
        services.case_feature(actor=curator, case=other_type, featured=True, order=0)
        cases, exact = selectors.cases_like_need(_need())
        assert exact is True
        assert [case.pk for case in cases] == [featured.pk, plain.pk]

    def test_without_exact_matches_the_sector_cases_follow_featured_order(self, vendor, curator):
        first = make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title="甲")
        second = make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title="乙")
        services.case_feature(actor=curator, case=second, featured=True, order=0)
        cases, exact = selectors.cases_like_need(_need(app_types=("recognition",)))
        assert exact is False
        assert [case.pk for case in cases] == [second.pk, first.pk]

    def test_at_most_the_limit_of_exact_matches(self, vendor):
        for index in range(5):
            make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title=f"案例{index}")
        cases, exact = selectors.cases_like_need(_need(), limit=3)
        assert exact is True and len(cases) == 3
        expected = list(
            Case.objects.published()
            .filter(sector=Sector.objects.get(code="finance"))
            .featured_first()
            .values_list("pk", flat=True)[:3]
        )
        assert [case.pk for case in cases] == expected

    def test_nothing_published_in_the_sectors_costs_one_query(
        self, vendor, django_assert_num_queries
    ):
        make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        need = _need()
        need = type(need).objects.prefetch_related("sectors", "app_types").get(pk=need.pk)
        with django_assert_num_queries(1):
            assert selectors.cases_like_need(need) == ([], False)


class OfferingCasesTests:
    def test_an_offering_without_published_cases_costs_one_query(
        self, vendor, django_assert_num_queries
    ):
        offering = factories.make_offering(organization=vendor)
        with django_assert_num_queries(1):
            assert selectors.cases_for_offering(offering) == []

    def test_published_cases_of_the_offering_in_featured_order(self, vendor, curator):
        offering = factories.make_offering(organization=vendor)
        first = make_case(vendor=vendor, status=CaseStatus.PUBLISHED, offering=offering)
        second = make_case(vendor=vendor, status=CaseStatus.PUBLISHED, offering=offering)
        make_case(vendor=vendor, status=CaseStatus.SUBMITTED, offering=offering)
        make_case(vendor=vendor, status=CaseStatus.PUBLISHED)  # another offering's
        services.case_feature(actor=curator, case=first, featured=True, order=0)
        assert [case.pk for case in selectors.cases_for_offering(offering)] == [
            first.pk,
            second.pk,
        ]
