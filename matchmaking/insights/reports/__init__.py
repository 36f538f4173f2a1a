"""The insight reports: one module per report, declared here in page order.

Each entry says the report's slug (its anchor and export file name), the function that builds
its table, its title, who may see it (``staff_only`` reports carry per-organization figures,
private needs and moderation states: pages and exports 404 them for everyone but staff),
whether it can be downloaded, and how the page draws it. The insights page, its exports and
the home page's gaps block read this registry; none lists reports by hand.

Every builder aggregates in the database and returns a ``Table`` of plain values (numbers,
strings, None), so the page, the charts and the CSV/Excel exports read the same rows; tables
are cached (``insights/caching.py``). What is counted: ``common.py``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from matchmaking.insights.reports import (
    by_deployment,
    by_kind,
    by_layer,
    by_region,
    event_outcomes,
    event_outcomes_by_cell,
    funnel,
    heat_map,
    listing_states,
    response_time,
    top_vendors,
    trends,
    unmet_cells,
    unmet_needs,
    vendor_acceptance,
)
from matchmaking.insights.reports.common import Report, Table

__all__ = ["REPORTS", "Report", "Table", "get", "table", "table_for", "visible_reports"]

REPORTS: tuple[Report, ...] = (
    Report(
        "heat-map",
        heat_map.build,
        _("Supply and demand by sector and application type"),
        chart="heat",
        toc=_("Heat map"),
    ),
    Report(
        "unmet-cells",
        unmet_cells.build,
        _("Largest unmet demand: cells"),
        chart="bar",
        chart_options={"label_columns": (0, 1), "value_columns": (3, 4)},
        toc=_("Unmet demand"),
    ),
    Report("unmet-needs", unmet_needs.build_public, _("Largest unmet demand: needs")),
    Report("trends", trends.build, _("Trends by month"), chart="line", toc=_("Trends")),
    Report(
        "funnel",
        funnel.build,
        _("The funnel"),
        chart="bar",
        chart_options={"value_columns": (1,)},
        toc=_("Funnel"),
    ),
    Report("response-time", response_time.build, _("Time to first response")),
    Report(
        "by-layer",
        by_layer.build,
        _("Published offerings by layer"),
        chart="bar",
        chart_options={"value_columns": (1,)},
        toc=_("Distributions"),
        grid=True,
    ),
    Report(
        "by-kind",
        by_kind.build,
        _("Published offerings by kind"),
        chart="bar",
        chart_options={"value_columns": (1,)},
        grid=True,
    ),
    Report(
        "by-deployment",
        by_deployment.build,
        _("Deployment modes"),
        chart="bar",
        chart_options={"value_columns": (1, 2)},
        grid=True,
    ),
    Report(
        "by-region",
        by_region.build,
        _("Regions"),
        chart="bar",
        chart_options={"value_columns": (1, 2)},
        grid=True,
    ),
    Report(
        "top-vendors",
        top_vendors.build,
        _("Vendors with the most published cases"),
        chart="bar",
        chart_options={"value_columns": (1,)},
        toc=_("Vendors"),
    ),
    Report(
        "event-outcomes",
        event_outcomes.build,
        _("Matchmaking event outcomes"),
        chart="bar",
        chart_options={"value_columns": (3, 4, 5, 6, 7)},
        toc=_("Matchmaking events"),
    ),
    Report(
        "event-outcomes-by-cell",
        event_outcomes_by_cell.build,
        _("Event meetings by sector and application type"),
        chart="bar",
        chart_options={"value_columns": (1, 2, 3, 4, 5)},
    ),
    Report(
        "vendor-acceptance",
        vendor_acceptance.build,
        _("Vendor acceptance rates (staff)"),
        staff_only=True,
        chart="bar",
        chart_options={"value_columns": (5,)},
    ),
    Report(
        "staff-unmet-needs",
        unmet_needs.build_staff,
        _("Unmet demand, all open needs (staff)"),
        staff_only=True,
    ),
    Report(
        "listing-states", listing_states.build, _("Listings by status (staff)"), staff_only=True
    ),
)
_BY_SLUG = {report.slug: report for report in REPORTS}


def get(slug: str) -> Report | None:
    return _BY_SLUG.get(slug)


def table(slug: str) -> Table:
    """The (cached) table of the report called ``slug``, whoever asks (callers that show it to
    a user go through ``table_for``)."""
    return _BY_SLUG[slug].table()


def visible_reports(*, staff: bool) -> list[Report]:
    return [report for report in REPORTS if report.visible_to(staff=staff)]


def table_for(slug: str, *, staff: bool, export: bool = False) -> Table | None:
    """The table called ``slug`` if this viewer may read (or, with ``export``, download) it,
    else None (→ 404)."""
    report = get(slug)
    if report is None or not report.visible_to(staff=staff):
        return None
    if export and not report.exportable:
        return None
    return report.table()
