"""Every figure of the insight reports equals a direct count of the same thing."""

from __future__ import annotations

import datetime as dt
from statistics import median

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from matchmaking.connections.choices import DISCLOSED_STATES
from matchmaking.connections.selectors import organization_response_stats
from matchmaking.insights import reports
from matchmaking.insights.reports.trends import TREND_MONTHS
from matchmaking.listings.filtersets import NeedFilterSet, OfferingFilterSet
from matchmaking.listings.models import Need, Offering
from matchmaking.listings.selectors import need_list_queryset, offering_list_queryset
from matchmaking.matching.models import Suggestion
from matchmaking.taxonomy.models import DeploymentMode, Layer, OfferingKind, Sector

pytestmark = pytest.mark.django_db

PUBLIC_VISIBILITIES = ("public", "anonymous")


def public_open_needs():
    return Need.objects.filter(status="open", visibility__in=PUBLIC_VISIBILITIES)


def published():
    return Offering.objects.filter(status="published")


def cell_offerings(sector_code, app_code):
    return (
        published()
        .filter(app_types__code=app_code)
        .filter(Q(sectors__code=sector_code) | Q(sectors__isnull=True))
        .distinct()
    )


def good_suggestions(need) -> int:
    """Counted the slow way: stored suggestions on the need's list, of published offerings,
    scoring at least INSIGHTS_GOOD_SUGGESTION_SCORE."""
    return sum(
        1
        for s in Suggestion.objects.filter(need=need, direction="need")
        if s.offering.status == "published" and s.score >= settings.INSIGHTS_GOOD_SUGGESTION_SCORE
    )


def is_unmet(need) -> bool:
    return good_suggestions(need) < settings.INSIGHTS_UNMET_BELOW


def suggest(need, offering, score, direction="need"):
    return Suggestion.objects.update_or_create(
        need=need, offering=offering, direction=direction, defaults={"score": score, "rank": 1}
    )[0]


@pytest.fixture
def stored_suggestions(world):
    """Three good suggestions (INSIGHTS_UNMET_BELOW) for each finance × qa need; for the
    others only ones that do not count: below the score, of an unpublished offering, or on the
    offering's list."""
    needs, offerings = world["needs"], world["offerings"]
    good = settings.INSIGHTS_GOOD_SUGGESTION_SCORE
    assert settings.INSIGHTS_UNMET_BELOW == 3
    for need in needs[:2]:
        suggest(need, offerings[0], good + 10)
        suggest(need, offerings[1], good + 5)
        suggest(need, offerings[2], good)
    suggest(needs[2], offerings[1], good - 1)  # below the score
    suggest(needs[3], offerings[4], good + 20)  # a draft offering
    suggest(needs[3], offerings[3], good + 20, direction="offering")  # the vendor's list


class HeatMapTests:
    def test_every_cell_equals_a_direct_count_of_needs_and_offerings(self, world):
        """Open public/anonymous needs and published offerings (sector-agnostic ones in every
        sector) in each sector × application-type cell, and their ratio."""
        table = reports.table("heat-map")
        assert len(table.rows) == Sector.objects.active().count() * 6
        for row, cell in zip(table.rows, table.chart["cells"], strict=True):
            needs = (
                public_open_needs()
                .filter(sectors__code=cell["sector"], app_types__code=cell["app_type"])
                .distinct()
                .count()
            )
            offerings = cell_offerings(cell["sector"], cell["app_type"]).count()
            assert row[2:4] == [needs, offerings], cell["label"]
            assert row[4] == (round(offerings / needs, 2) if needs else None)

    def test_known_cells_of_the_small_world(self, world):
        """Spot checks: private, closed and draft needs and unpublished offerings are out."""
        cells = {(c["sector"], c["app_type"]): c for c in reports.table("heat-map").chart["cells"]}
        assert (cells["finance", "qa"]["needs"], cells["finance", "qa"]["offerings"]) == (2, 3)
        assert cells["government", "qa"]["offerings"] == 1  # the sector-agnostic one
        assert cells["healthcare", "recognition"]["needs"] == 1
        assert cells["healthcare", "recognition"]["css"] == "heat-1"  # demand, no supply

    def test_cell_figures_equal_what_the_linked_browse_pages_list(self, world):
        """Each cell links to /offerings/ and /needs/ filtered by the cell; a visitor sees
        exactly the counted listings there."""
        visitor = AnonymousUser()
        for cell in reports.table("heat-map").chart["cells"]:
            data = {"sector": [cell["sector"]], "app_type": [cell["app_type"]]}
            offerings = OfferingFilterSet(data, queryset=offering_list_queryset(visitor)).qs
            needs = NeedFilterSet(data, queryset=need_list_queryset(visitor)).qs
            assert offerings.count() == cell["offerings"], cell["label"]
            assert needs.count() == cell["needs"], cell["label"]
            assert f"sector={cell['sector']}" in cell["offering_url"]
            assert f"app_type={cell['app_type']}" in cell["need_url"]


class UnmetDemandTests:
    def test_public_unmet_needs_list_public_and_anonymous_needs_without_posters(
        self, world, stored_suggestions
    ):
        """Needs with no candidate offering are listed by title; the private need and
        organization names never appear."""
        table = reports.table("unmet-needs")
        titles = [row[0] for row in table.rows]
        expected = [n.title for n in public_open_needs() if is_unmet(n)]
        assert sorted(titles) == sorted(expected)
        assert world["needs"][2].title in titles  # anonymous, healthcare × recognition
        assert world["needs"][4].title not in titles  # private
        flat = " ".join(str(v) for row in table.rows for v in row)
        assert "隐名企业" not in flat and "示例银行" not in flat
        assert len(table.columns) == 5

    def test_staff_unmet_needs_name_the_poster(self, world, stored_suggestions):
        table = reports.table("staff-unmet-needs")
        assert not table.public
        row = next(r for r in table.rows if r[0] == world["needs"][2].title)
        assert row[-1] == "隐名企业"

    def test_unmet_cells_count_needs_left_without_good_suggestions(self, world, stored_suggestions):
        table = reports.table("unmet-cells")
        by_pair = {(row[0], row[1]): row for row in table.rows}
        healthcare = Sector.objects.get(code="healthcare").name
        row = next(r for (s, _a), r in by_pair.items() if s == healthcare)
        assert row[2] == 1 and row[3] == 1 and row[4] == 0
        for row in table.rows:
            assert row[3] <= row[2]

    def test_a_stored_suggestion_takes_a_need_off_the_unmet_list(self, world, stored_suggestions):
        need = world["needs"][2]
        assert need.title in [row[0] for row in reports.table("unmet-needs").rows]
        for offering in world["offerings"][:3]:
            suggest(need, offering, settings.INSIGHTS_GOOD_SUGGESTION_SCORE + 1)
        assert need.title not in [row[0] for row in reports.table("unmet-needs").rows]


class TrendTests:
    def test_this_months_figures_equal_direct_counts(self, world):
        table = reports.table("trends")
        assert len(table.rows) == TREND_MONTHS
        start = timezone.localdate().replace(day=1)
        nxt = (start + dt.timedelta(days=32)).replace(day=1)
        lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
        hi = timezone.make_aware(dt.datetime.combine(nxt, dt.time.min))
        from matchmaking.connections.models import Connection

        expected = [
            start.strftime("%Y-%m"),
            Need.objects.exclude(visibility="private")
            .filter(published_at__gte=lo, published_at__lt=hi)
            .count(),
            Offering.objects.filter(published_at__gte=lo, published_at__lt=hi).count(),
            Connection.objects.filter(created_at__gte=lo, created_at__lt=hi).count(),
            Connection.objects.filter(accepted_at__gte=lo, accepted_at__lt=hi).count(),
            Connection.objects.filter(state="won", closed_at__gte=lo, closed_at__lt=hi).count(),
        ]
        assert table.rows[-1] == expected
        assert all(v == 0 for row in table.rows[:-1] for v in row[1:])


class FunnelTests:
    def test_stages_equal_direct_counts(self, world, stored_suggestions):
        posted = Need.objects.filter(published_at__isnull=False).exclude(visibility="private")
        expected = [
            posted.count(),
            sum(1 for need in posted if good_suggestions(need) > 0),
            posted.filter(connections__isnull=False).distinct().count(),
            posted.filter(connections__state__in=DISCLOSED_STATES).distinct().count(),
            posted.filter(connections__state="won").distinct().count(),
        ]
        table = reports.table("funnel")
        assert [row[1] for row in table.rows] == expected == [4, 2, 3, 2, 1]
        assert table.rows[1][2] == 50.0 and table.rows[4][3] == 25.0

    def test_median_time_to_first_response(self, world):
        hours = [
            (c.first_response_at - c.created_at).total_seconds() / 3600
            for c in world["connections"]
            if c.first_response_at
        ]
        assert reports.table("response-time").rows == [[len(hours), round(median(hours), 1)]]


class DistributionTests:
    def test_layers_and_kinds(self, world):
        layers = reports.table("by-layer").rows
        expected = [[t.name, published().filter(layer=t).count()] for t in Layer.objects.all()]
        expected.append([gettext("Not specified"), published().filter(layer__isnull=True).count()])
        assert layers == expected
        kinds = reports.table("by-kind").rows
        assert kinds == [
            [t.name, published().filter(kind=t).count()] for t in OfferingKind.objects.all()
        ]

    def test_deployment_modes_count_offerings_and_needs(self, world):
        rows = {row[0]: row[1:] for row in reports.table("by-deployment").rows}
        for mode in DeploymentMode.objects.all():
            assert rows[mode.name] == [
                published().filter(deployment_modes=mode).count(),
                public_open_needs().filter(deployment_modes=mode).count(),
            ]

    def test_regions_count_needs_and_each_region_an_offering_serves(self, world):
        rows = {row[0]: row[1:] for row in reports.table("by-region").rows}
        for region, (needs, offerings) in rows.items():
            assert needs == public_open_needs().filter(region=region).count()
            assert offerings == sum(1 for o in published() if region in o.regions)
        assert rows["北京"] == [3, 2] and rows["全国"][1] == 2


class VendorTests:
    def test_vendors_by_published_cases(self, world):
        vendor_a, vendor_b = world["vendors"]
        assert reports.table("top-vendors").rows == [
            [vendor_a.display_name, 2],
            [vendor_b.display_name, 1],
        ]

    def test_staff_acceptance_rates_agree_with_the_organization_figures(self, world):
        table = reports.table("vendor-acceptance")
        assert not table.public
        names = {v.display_name: v for v in world["vendors"]}
        assert {row[0] for row in table.rows} == set(names)
        for row in table.rows:
            stats = organization_response_stats(names[row[0]])
            assert row[2] == stats["received"]
            assert row[5] == round(100 * stats["acceptance_rate"], 1)

    def test_listing_states_count_every_status(self, world):
        rows = reports.table("listing-states").rows
        assert sum(r[2] for r in rows[:6]) == Need.objects.count()
        assert rows[6][2] == Need.objects.filter(status="open", visibility="private").count()
        assert sum(r[2] for r in rows[7:]) == Offering.objects.count()
