"""The insight tables: one function per table, each aggregating in the database.

Every function returns a `Table` — plain values only (numbers, strings, None), so the page,
the charts and the CSV/Excel exports all read the same rows. Tables are cached (caching.py).

What is counted (each table's ``note`` says it again on the page):

* public figures count **open needs that are public or anonymous** (``Need.objects.public()``,
  exactly what the /needs/ browse page lists to a visitor) and **published offerings**;
  private needs never appear in public tables, not even as a count;
* an offering without sectors serves every sector (the offering form says so, and the
  /offerings/?sector=… filter includes it), so it counts in every sector's cell of its
  application types — the heat-map figure equals what the linked browse page lists;
* a need or offering without application types (or a need without sectors) has no cell in
  the heat map; the distributions count it under "Not specified";
* "good suggestions": see suggestions.py.

Staff-only tables (``public=False``) carry per-organization figures (acceptance rates),
private needs and moderation states; views and exports 404 them for everyone but staff.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import median

from django.conf import settings
from django.db import connection as db_connection
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from matchmaking.accounts.models import Organization
from matchmaking.cases.models import Case
from matchmaking.connections.choices import DISCLOSED_STATES, ConnectionState
from matchmaking.connections.models import Connection
from matchmaking.events.choices import (
    Attendance,
    EventStatus,
    RegistrationStatus,
    RequestState,
)
from matchmaking.events.models import Event, MeetingOutcome, MeetingRequest, Registration
from matchmaking.insights import suggestions
from matchmaking.insights.caching import cached_table
from matchmaking.listings.choices import NeedStatus, NeedVisibility, OfferingStatus
from matchmaking.listings.models import Need, Offering
from matchmaking.taxonomy.models import (
    ApplicationType,
    DeploymentMode,
    Layer,
    OfferingKind,
    Sector,
)

TREND_MONTHS = 12
TOP_UNMET_CELLS = 10
TOP_UNMET_NEEDS = 15
TOP_VENDORS = 10

# Heat-map classes: a diverging scale on offerings per open need, so gaps stand out.
#   heat-0 nothing on either side; heat-1 demand with no supply at all; heat-2 ratio < 1;
#   heat-3 1 ≤ ratio < 3 (balanced); heat-4 3 ≤ ratio < 10; heat-5 ≥ 10 or supply without demand.
HEAT_BOUNDS = (1, 3, 10)


@dataclass
class Table:
    slug: str
    title: str
    note: str
    columns: list[str]
    rows: list[list]
    public: bool = True
    # Not exported: per-cell links for the page table (same shape as rows, None = no link),
    # and chart data the templates draw from.
    links: list[list] | None = None
    chart: dict = field(default_factory=dict)


def heat_class(needs: int, offerings: int) -> str:
    if needs == 0:
        return "heat-5" if offerings else "heat-0"
    if offerings == 0:
        return "heat-1"
    ratio = offerings / needs
    if ratio < HEAT_BOUNDS[0]:
        return "heat-2"
    if ratio < HEAT_BOUNDS[1]:
        return "heat-3"
    if ratio < HEAT_BOUNDS[2]:
        return "heat-4"
    return "heat-5"


def ratio(offerings: int, needs: int) -> float | None:
    return round(offerings / needs, 2) if needs else None


def rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


def browse_url(name: str, **params) -> str:
    return reverse(name) + "?" + urlencode(params)


# --- base querysets (the definitions the tests count against) ----------------------------


def public_needs():
    return Need.objects.public()


def published_offerings():
    return Offering.objects.published()


# --- the heat map ----------------------------------------------------------------------


def _cell_counts() -> tuple[dict, dict]:
    """(needs, offerings) per (sector_id, app_type_id); computed once for all the tables
    that need them (heat map, unmet demand, funnel) and cached like a table."""
    return cached_table("cells", _compute_cell_counts)


def _compute_cell_counts() -> tuple[dict, dict]:
    """(needs, offerings) per (sector_id, app_type_id), grouped in the database."""
    need_rows = (
        Need.sectors.through.objects.filter(need__in=public_needs().values("pk"))
        .values("sector_id", "need__app_types")
        .annotate(n=Count("need_id", distinct=True))
        .order_by()
    )
    needs = {
        (row["sector_id"], row["need__app_types"]): row["n"]
        for row in need_rows
        if row["need__app_types"] is not None
    }
    offering_rows = (
        Offering.sectors.through.objects.filter(offering__status=OfferingStatus.PUBLISHED)
        .values("sector_id", "offering__app_types")
        .annotate(n=Count("offering_id", distinct=True))
        .order_by()
    )
    offerings = defaultdict(int)
    for row in offering_rows:
        if row["offering__app_types"] is not None:
            offerings[(row["sector_id"], row["offering__app_types"])] += row["n"]
    agnostic_rows = (
        Offering.app_types.through.objects.filter(offering__status=OfferingStatus.PUBLISHED)
        .exclude(offering_id__in=Offering.sectors.through.objects.values("offering_id"))
        .values("applicationtype_id")
        .annotate(n=Count("offering_id", distinct=True))
        .order_by()
    )
    agnostic = {row["applicationtype_id"]: row["n"] for row in agnostic_rows}
    for sector_id in Sector.objects.values_list("pk", flat=True):
        for app_id, n in agnostic.items():
            offerings[(sector_id, app_id)] += n
    return needs, dict(offerings)


def heat_map() -> Table:
    return cached_table("heat-map", _heat_map)


def _heat_map() -> Table:
    sectors = list(Sector.objects.active())
    app_types = list(ApplicationType.objects.active())
    needs, offerings = _cell_counts()
    rows, links, cells = [], [], []
    for sector in sectors:
        for app in app_types:
            n = needs.get((sector.pk, app.pk), 0)
            o = offerings.get((sector.pk, app.pk), 0)
            params = {"sector": sector.code, "app_type": app.code}
            need_url = browse_url("listings:need-list", **params)
            offering_url = browse_url("listings:offering-list", **params)
            rows.append([sector.name, app.name, n, o, ratio(o, n)])
            links.append([None, None, need_url, offering_url, None])
            cells.append(
                {
                    "sector": sector.code,
                    "app_type": app.code,
                    "needs": n,
                    "offerings": o,
                    "ratio": ratio(o, n),
                    "css": heat_class(n, o),
                    "need_url": need_url,
                    "offering_url": offering_url,
                    "label": f"{sector.name} × {app.name}",
                }
            )
    return Table(
        slug="heat-map",
        title=_("Supply and demand by sector and application type"),
        note=_(
            "Open needs that are public or anonymous, and published offerings, in each sector × "
            "application type. A listing with several sectors or application types counts in "
            "each of its cells. Offerings without sectors serve every sector and count in every "
            "sector's cells, as on the offerings page. Ratio = offerings per open need; red cells "
            "have demand and little or no supply."
        ),
        columns=[
            _("Sector"),
            _("Application type"),
            _("Open needs"),
            _("Published offerings"),
            _("Offerings per need"),
        ],
        rows=rows,
        links=links,
        chart={
            "sectors": [(s.code, s.name) for s in sectors],
            "app_types": [(a.code, a.name) for a in app_types],
            "cells": cells,
        },
    )


# --- unmet demand ----------------------------------------------------------------------


def _supply_by_ids() -> dict[tuple[int, int], int]:
    return _cell_counts()[1]


def unmet_cells() -> Table:
    return cached_table("unmet-cells", _unmet_cells)


def _unmet_cells() -> Table:
    sectors = {s.pk: s for s in Sector.objects.active()}
    app_types = {a.pk: a for a in ApplicationType.objects.active()}
    needs, offerings = _cell_counts()
    counts = suggestions.need_suggestion_counts(public_needs().values("pk"), offerings)
    threshold = settings.INSIGHTS_UNMET_BELOW
    # Needs below the threshold, per cell.
    unmet_per_cell = defaultdict(int)
    pairs = (
        Need.sectors.through.objects.filter(need__in=public_needs().values("pk"))
        .values_list("need_id", "sector_id", "need__app_types")
        .order_by()
    )
    for need_id, sector_id, app_id in pairs:
        if app_id is not None and counts.get(need_id, 0) < threshold:
            unmet_per_cell[(sector_id, app_id)] += 1
    candidates = []
    for (sector_id, app_id), n in needs.items():
        if sector_id not in sectors or app_id not in app_types or n == 0:
            continue
        o = offerings.get((sector_id, app_id), 0)
        candidates.append((sector_id, app_id, n, o, unmet_per_cell.get((sector_id, app_id), 0)))
    # Most needs left without good suggestions first, then the thinnest supply.
    candidates.sort(key=lambda c: (-c[4], c[3] / c[2], -c[2], c[0], c[1]))
    rows, links = [], []
    for sector_id, app_id, n, o, unmet in candidates[:TOP_UNMET_CELLS]:
        sector, app = sectors[sector_id], app_types[app_id]
        params = {"sector": sector.code, "app_type": app.code}
        rows.append([sector.name, app.name, n, unmet, o, ratio(o, n)])
        links.append(
            [
                None,
                None,
                browse_url("listings:need-list", **params),
                None,
                browse_url("listings:offering-list", **params),
                None,
            ]
        )
    return Table(
        slug="unmet-cells",
        title=_("Largest unmet demand: cells"),
        note=_suggestion_note()
        + " "
        + _(
            "Cells with open public or anonymous needs, ordered by the number of needs with "
            "fewer than %(n)d good suggestions, then by the fewest offerings per need."
        )
        % {"n": threshold},
        columns=[
            _("Sector"),
            _("Application type"),
            _("Open needs"),
            _("Needs with few or no good suggestions"),
            _("Published offerings"),
            _("Offerings per need"),
        ],
        rows=rows,
        links=links,
    )


def _suggestion_note() -> str:
    if suggestions.source() == "stored":
        return _(
            "A good suggestion is a stored match with a published offering scoring at least "
            "%(score)s."
        ) % {"score": settings.INSIGHTS_GOOD_SUGGESTION_SCORE}
    return _(
        "Until the matcher stores suggestions, a need's good suggestions are the published "
        "offerings in the fullest of its sector × application-type cells."
    )


def unmet_needs() -> Table:
    return cached_table("unmet-needs", _unmet_needs)


def _unmet_needs() -> Table:
    """Public and anonymous open needs with the fewest good suggestions (titles only)."""
    return _unmet_need_table(
        public_needs(),
        slug="unmet-needs",
        title=_("Largest unmet demand: needs"),
        note=_(
            "Open public or anonymous needs with fewer than %(n)d good suggestions, fewest "
            "first, then the oldest. Posters are not named."
        )
        % {"n": settings.INSIGHTS_UNMET_BELOW},
        with_poster=False,
    )


def staff_unmet_needs() -> Table:
    return cached_table("staff-unmet-needs", _staff_unmet_needs)


def _staff_unmet_needs() -> Table:
    return _unmet_need_table(
        Need.objects.open(),
        slug="staff-unmet-needs",
        title=_("Unmet demand, all open needs (staff)"),
        note=_(
            "Every open need, private and anonymous ones included, with fewer than %(n)d good "
            "suggestions, with the posting organization."
        )
        % {"n": settings.INSIGHTS_UNMET_BELOW},
        with_poster=True,
        public=False,
    )


def _unmet_need_table(queryset, *, slug, title, note, with_poster, public=True) -> Table:
    counts = suggestions.need_suggestion_counts(queryset.values("pk"), _supply_by_ids())
    threshold = settings.INSIGHTS_UNMET_BELOW
    rows_data = list(
        queryset.order_by().values_list("pk", "title", "published_at", "organization__name")
    )
    unmet = [r for r in rows_data if counts.get(r[0], 0) < threshold]
    far_past = timezone.make_aware(dt.datetime(1970, 1, 1))
    unmet.sort(key=lambda r: (counts.get(r[0], 0), r[2] or far_past, r[0]))
    unmet = unmet[:TOP_UNMET_NEEDS]
    sector_names = _names_by_owner(Need.sectors.through, "need_id", "sector", [r[0] for r in unmet])
    app_names = _names_by_owner(
        Need.app_types.through, "need_id", "applicationtype", [r[0] for r in unmet]
    )
    rows, links = [], []
    for pk, need_title, published_at, org_name in unmet:
        row = [
            need_title,
            ", ".join(sector_names.get(pk, [])),
            ", ".join(app_names.get(pk, [])),
            counts.get(pk, 0),
            timezone.localdate(published_at).isoformat() if published_at else "",
        ]
        link = [reverse("listings:need-detail", args=[pk]), None, None, None, None]
        if with_poster:
            row.append(org_name)
            link.append(None)
        rows.append(row)
        links.append(link)
    columns = [
        _("Need"),
        _("Sectors"),
        _("Application types"),
        _("Good suggestions"),
        _("Published"),
    ]
    if with_poster:
        columns.append(_("Organization"))
    return Table(
        slug=slug,
        title=title,
        note=_suggestion_note() + " " + note,
        columns=columns,
        rows=rows,
        public=public,
        links=links,
    )


def _names_by_owner(through, owner_field: str, term: str, owner_ids) -> dict[int, list[str]]:
    english = _is_english()
    name_field = f"{term}__name_en" if english else f"{term}__name_zh"
    names = defaultdict(list)
    rows = (
        through.objects.filter(**{f"{owner_field}__in": owner_ids})
        .order_by(f"{term}__order", f"{term}__code")
        .values_list(owner_field, name_field)
    )
    for owner_id, name in rows:
        names[owner_id].append(name)
    return names


def _is_english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("en")


# --- trends ----------------------------------------------------------------------------


def trend_months(today: dt.date | None = None) -> list[dt.date]:
    """The first day of each of the last TREND_MONTHS months, oldest first."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    months = []
    for _i in range(TREND_MONTHS):
        months.append(dt.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(months))


def _month_counts(queryset, field: str, start: dt.date) -> dict[dt.date, int]:
    start_at = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    rows = (
        queryset.filter(**{f"{field}__gte": start_at})
        .annotate(month=TruncMonth(field))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        counts[month.replace(day=1)] = counts.get(month.replace(day=1), 0) + row["n"]
    return counts


def trends() -> Table:
    return cached_table("trends", _trends)


def _trends() -> Table:
    months = trend_months()
    start = months[0]
    series = [
        (
            _("New needs"),
            _month_counts(
                Need.objects.exclude(visibility=NeedVisibility.PRIVATE), "published_at", start
            ),
        ),
        (_("New offerings"), _month_counts(Offering.objects.all(), "published_at", start)),
        (_("Connections"), _month_counts(Connection.objects.all(), "created_at", start)),
        (_("Accepted"), _month_counts(Connection.objects.all(), "accepted_at", start)),
        (
            _("Won"),
            _month_counts(Connection.objects.filter(state=ConnectionState.WON), "closed_at", start),
        ),
    ]
    rows = [
        [month.strftime("%Y-%m")] + [counts.get(month, 0) for _label, counts in series]
        for month in months
    ]
    return Table(
        slug="trends",
        title=_("Trends by month"),
        note=_(
            "Per calendar month (site time zone), the last %(n)d months: needs first published "
            "(public or anonymous, whatever their status now), offerings first published "
            "(whatever their status now), connection requests and proposals sent, connections "
            "accepted, and connections marked won."
        )
        % {"n": TREND_MONTHS},
        columns=[_("Month")] + [label for label, _counts in series],
        rows=rows,
    )


# --- the funnel ------------------------------------------------------------------------


def funnel() -> Table:
    return cached_table("funnel", _funnel)


def funnel_figures() -> dict:
    """The funnel's counts (the same ones the table shows)."""
    needs = Need.objects.filter(published_at__isnull=False).exclude(
        visibility=NeedVisibility.PRIVATE
    )
    need_ids = needs.values("pk")
    counts = suggestions.need_suggestion_counts(need_ids, _supply_by_ids())
    with_suggestions = sum(1 for n in counts.values() if n > 0)
    linked = Connection.objects.filter(need__in=need_ids)
    contacted = linked.values("need_id").distinct().count()
    accepted = linked.filter(state__in=DISCLOSED_STATES).values("need_id").distinct().count()
    won = linked.filter(state=ConnectionState.WON).values("need_id").distinct().count()
    return {
        "needs": needs.count(),
        "with_suggestions": with_suggestions,
        "contacted": contacted,
        "accepted": accepted,
        "won": won,
    }


def median_first_response_hours() -> float | None:
    durations = [
        (answered - created).total_seconds()
        for created, answered in Connection.objects.filter(
            first_response_at__isnull=False
        ).values_list("created_at", "first_response_at")
    ]
    return round(median(durations) / 3600, 1) if durations else None


def _funnel() -> Table:
    figures = funnel_figures()
    stages = [
        (_("Needs posted"), figures["needs"]),
        (_("With suggestions"), figures["with_suggestions"]),
        (_("Contacted"), figures["contacted"]),
        (_("Accepted"), figures["accepted"]),
        (_("Won"), figures["won"]),
    ]
    rows = []
    previous = None
    first = stages[0][1]
    for label, value in stages:
        rows.append(
            [
                label,
                value,
                rate(value, previous) if previous is not None else None,
                rate(value, first),
            ]
        )
        previous = value
    return Table(
        slug="funnel",
        title=_("The funnel"),
        note=_suggestion_note()
        + " "
        + _(
            "Needs ever published, public or anonymous (whatever their status now): how many "
            "have at least one good suggestion, at least one connection about them (a proposal, "
            "or a request tied to the need), at least one accepted connection (accepted, in "
            "talks, won or lost), and at least one won. Rates are percentages of the previous "
            "stage and of all needs."
        ),
        columns=[
            _("Stage"),
            _("Needs"),
            _("Share of previous stage (%)"),
            _("Share of needs posted (%)"),
        ],
        rows=rows,
        chart={"median_response_hours": median_first_response_hours()},
    )


def response_time() -> Table:
    return cached_table("response-time", _response_time)


def _response_time() -> Table:
    answered = Connection.objects.filter(first_response_at__isnull=False)
    return Table(
        slug="response-time",
        title=_("Time to first response"),
        note=_(
            "All connection requests and proposals that have been answered (accepted or "
            "declined): the median time from sending to the first answer, in hours."
        ),
        columns=[_("Answered connections"), _("Median hours to first response")],
        rows=[[answered.count(), median_first_response_hours()]],
    )


# --- distributions ---------------------------------------------------------------------


def _fk_distribution(queryset, column: str, terms) -> list[list]:
    counts = dict(queryset.order_by().values_list(column).annotate(n=Count("pk")))
    rows = [[term.name, counts.get(term.pk, 0)] for term in terms]
    if counts.get(None):
        rows.append([_("Not specified"), counts[None]])
    return rows


def _m2m_distribution(queryset, through, owner: str, column: str, terms) -> list[list]:
    counts = dict(
        through.objects.filter(**{f"{owner}__in": queryset.values("pk")})
        .values_list(column)
        .annotate(n=Count(f"{owner}_id", distinct=True))
        .order_by()
    )
    rows = [[term.name, counts.get(term.pk, 0)] for term in terms]
    linked = through.objects.filter(**{f"{owner}__in": queryset.values("pk")}).values(f"{owner}_id")
    unspecified = queryset.exclude(pk__in=linked).count()
    if unspecified:
        rows.append([_("Not specified"), unspecified])
    return rows


def by_layer() -> Table:
    return cached_table("by-layer", _by_layer)


def _by_layer() -> Table:
    return Table(
        slug="by-layer",
        title=_("Published offerings by layer"),
        note=_("Published offerings, by business-model layer (foundation, industry, application)."),
        columns=[_("Layer"), _("Published offerings")],
        rows=_fk_distribution(published_offerings(), "layer_id", Layer.objects.all()),
    )


def by_kind() -> Table:
    return cached_table("by-kind", _by_kind)


def _by_kind() -> Table:
    return Table(
        slug="by-kind",
        title=_("Published offerings by kind"),
        note=_("Published offerings, by kind (product, compute, data, service)."),
        columns=[_("Kind"), _("Published offerings")],
        rows=_fk_distribution(published_offerings(), "kind_id", OfferingKind.objects.all()),
    )


def by_deployment() -> Table:
    return cached_table("by-deployment", _by_deployment)


def _by_deployment() -> Table:
    modes = list(DeploymentMode.objects.all())
    offerings = _m2m_distribution(
        published_offerings(),
        Offering.deployment_modes.through,
        "offering",
        "deploymentmode_id",
        modes,
    )
    needs = _m2m_distribution(
        public_needs(), Need.deployment_modes.through, "need", "deploymentmode_id", modes
    )
    need_counts = {row[0]: row[1] for row in needs}
    offering_counts = {row[0]: row[1] for row in offerings}
    labels = [row[0] for row in offerings] + [
        row[0] for row in needs if row[0] not in offering_counts
    ]
    return Table(
        slug="by-deployment",
        title=_("Deployment modes"),
        note=_(
            "Published offerings by the deployment modes they support, and open public or "
            "anonymous needs by the modes they accept (a listing with several modes counts in "
            "each; a need with none accepts any mode and counts under Not specified)."
        ),
        columns=[_("Deployment mode"), _("Published offerings"), _("Open needs")],
        rows=[
            [label, offering_counts.get(label, 0), need_counts.get(label, 0)] for label in labels
        ],
    )


def _offering_region_counts() -> dict[str, int]:
    """Published offerings per region served (``regions`` is a JSON list), in the database."""
    table = Offering._meta.db_table
    if db_connection.vendor == "postgresql":
        sql = (
            f"SELECT r.value, COUNT(DISTINCT o.id) FROM {table} o "
            f"CROSS JOIN LATERAL jsonb_array_elements_text(o.regions::jsonb) AS r(value) "
            "WHERE o.status = %s GROUP BY r.value"
        )
    else:
        sql = (
            f"SELECT r.value, COUNT(DISTINCT o.id) FROM {table} o, json_each(o.regions) r "
            "WHERE o.status = %s GROUP BY r.value"
        )
    with db_connection.cursor() as cursor:
        cursor.execute(sql, [OfferingStatus.PUBLISHED])
        return {str(value): n for value, n in cursor.fetchall() if value}


def by_region() -> Table:
    return cached_table("by-region", _by_region)


def _by_region() -> Table:
    need_counts = dict(
        public_needs().exclude(region="").order_by().values_list("region").annotate(n=Count("pk"))
    )
    offering_counts = _offering_region_counts()
    regions = sorted(
        set(need_counts) | set(offering_counts),
        key=lambda r: (-(need_counts.get(r, 0) + offering_counts.get(r, 0)), r),
    )
    return Table(
        slug="by-region",
        title=_("Regions"),
        note=_(
            "Open public or anonymous needs by the region they name, and published offerings by "
            "each region they serve (an offering serving several regions counts in each; "
            "“全国” means nationwide). Needs and offerings without a region are left out."
        ),
        columns=[_("Region"), _("Open needs"), _("Published offerings")],
        rows=[[r, need_counts.get(r, 0), offering_counts.get(r, 0)] for r in regions],
    )


# --- vendors ---------------------------------------------------------------------------


def top_vendors() -> Table:
    return cached_table("top-vendors", _top_vendors)


def _top_vendors() -> Table:
    rows = list(
        Case.objects.published()
        .order_by()
        .values("vendor_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "vendor_id")[:TOP_VENDORS]
    )
    orgs = Organization.objects.in_bulk([row["vendor_id"] for row in rows])
    return Table(
        slug="top-vendors",
        title=_("Vendors with the most published cases"),
        note=_("Published cases in the case library, per vendor (the top %(n)d).")
        % {"n": TOP_VENDORS},
        columns=[_("Vendor"), _("Published cases")],
        rows=[[orgs[row["vendor_id"]].display_name, row["n"]] for row in rows],
        links=[[orgs[row["vendor_id"]].get_absolute_url(), None] for row in rows],
    )


def vendor_acceptance() -> Table:
    return cached_table("vendor-acceptance", _vendor_acceptance)


def _vendor_acceptance() -> Table:
    """Per vendor: what it received and how much it accepted (staff only)."""
    received = (
        Connection.objects.filter(receiver_org__kind="vendor")
        .order_by()
        .values("receiver_org_id")
        .annotate(
            received=Count("pk"),
            decided=Count(
                "pk",
                filter=~Q(state__in=[ConnectionState.PENDING, ConnectionState.WITHDRAWN]),
            ),
            accepted=Count("pk", filter=Q(state__in=DISCLOSED_STATES)),
        )
        .order_by("-received", "receiver_org_id")[:50]
    )
    received = list(received)
    ids = [row["receiver_org_id"] for row in received]
    cases = dict(
        Case.objects.published()
        .filter(vendor_id__in=ids)
        .order_by()
        .values_list("vendor_id")
        .annotate(n=Count("pk"))
    )
    orgs = Organization.objects.in_bulk(ids)
    rows = [
        [
            orgs[row["receiver_org_id"]].display_name,
            cases.get(row["receiver_org_id"], 0),
            row["received"],
            row["decided"],
            row["accepted"],
            rate(row["accepted"], row["decided"]),
        ]
        for row in received
    ]
    return Table(
        slug="vendor-acceptance",
        title=_("Vendor acceptance rates (staff)"),
        note=_(
            "Vendors by connections received (requests to their offerings and anything else "
            "addressed to them), the top 50. Decided = answered or expired (pending and withdrawn "
            "ones say nothing about the vendor); acceptance rate = accepted (accepted, in talks, "
            "won or lost) / decided, in percent."
        ),
        columns=[
            _("Vendor"),
            _("Published cases"),
            _("Received"),
            _("Decided"),
            _("Accepted"),
            _("Acceptance rate %"),
        ],
        rows=rows,
        public=False,
    )


def listing_states() -> Table:
    return cached_table("listing-states", _listing_states)


def _listing_states() -> Table:
    need_counts = dict(Need.objects.order_by().values_list("status").annotate(n=Count("pk")))
    private_open = Need.objects.filter(
        status=NeedStatus.OPEN, visibility=NeedVisibility.PRIVATE
    ).count()
    offering_counts = dict(
        Offering.objects.order_by().values_list("status").annotate(n=Count("pk"))
    )
    rows = [
        [_("Need"), str(label), need_counts.get(value, 0)] for value, label in NeedStatus.choices
    ]
    rows.append([_("Need"), _("Open and private"), private_open])
    rows += [
        [_("Offering"), str(label), offering_counts.get(value, 0)]
        for value, label in OfferingStatus.choices
    ]
    return Table(
        slug="listing-states",
        title=_("Listings by status (staff)"),
        note=_(
            "Every need and offering by its current status, drafts and hidden ones included; "
            "“open and private” is the part of the open needs that only contacted vendors see."
        ),
        columns=[_("Listing"), _("Status"), _("Count")],
        rows=rows,
        public=False,
    )


# --- matchmaking events --------------------------------------------------------------------


def _event_outcome_counts(requests) -> dict[str, int]:
    """Requested, accepted, held, connections opened and won for a set of meeting requests."""
    accepted = requests.filter(state=RequestState.ACCEPTED)
    held = (
        MeetingOutcome.objects.filter(
            meeting__request__in=accepted.values("pk"), attendance=Attendance.HELD
        )
        .values("meeting_id")
        .distinct()
        .count()
    )
    connections = accepted.filter(connection__isnull=False).values("connection_id").distinct()
    return {
        "requested": requests.count(),
        "accepted": accepted.count(),
        "held": held,
        "connections": connections.count(),
        "won": Connection.objects.filter(pk__in=connections, state=ConnectionState.WON).count(),
    }


def _event_outcome_columns() -> list[str]:
    return [
        _("Meetings requested"),
        _("Meetings accepted"),
        _("Meetings held"),
        _("Connections opened"),
        _("Deals won"),
    ]


def event_outcomes() -> Table:
    return cached_table("event-outcomes", _event_outcomes)


def _event_outcomes() -> Table:
    rows, links = [], []
    events = Event.objects.exclude(status=EventStatus.DRAFT).order_by("-start_date", "-pk")
    for event in events:
        counts = _event_outcome_counts(MeetingRequest.objects.filter(event=event))
        registrations = Registration.objects.filter(
            event=event, status=RegistrationStatus.APPROVED
        ).count()
        rows.append(
            [
                event.display_title,
                event.start_date.isoformat(),
                registrations,
                counts["requested"],
                counts["accepted"],
                counts["held"],
                counts["connections"],
                counts["won"],
            ]
        )
        links.append([event.get_absolute_url()] + [None] * 7)
    return Table(
        slug="event-outcomes",
        title=_("Matchmaking event outcomes"),
        note=_(
            "Per published event (对接会): approved registrations, meetings requested and "
            "accepted, meetings at least one side recorded as held, connections opened by "
            "accepted meetings and those connections marked won."
        ),
        columns=[_("Event"), _("Date"), _("Registrations")] + _event_outcome_columns(),
        rows=rows,
        links=links,
    )


def event_outcomes_by_cell() -> Table:
    return cached_table("event-outcomes-by-cell", _event_outcomes_by_cell)


def _event_outcomes_by_cell() -> Table:
    """Meetings by the sector × application type of the need they are about (public or
    anonymous needs only: a private need is never counted in a public table)."""
    requests = MeetingRequest.objects.filter(event__status=EventStatus.PUBLISHED).exclude(
        need__visibility=NeedVisibility.PRIVATE
    )
    need_ids = requests.filter(need__isnull=False).values("need_id")
    sectors = defaultdict(set)
    for need_id, sector_id in Need.sectors.through.objects.filter(need_id__in=need_ids).values_list(
        "need_id", "sector_id"
    ):
        sectors[need_id].add(sector_id)
    app_types = defaultdict(set)
    for need_id, type_id in Need.app_types.through.objects.filter(need_id__in=need_ids).values_list(
        "need_id", "applicationtype_id"
    ):
        app_types[need_id].add(type_id)
    cells: dict[tuple[int, int], set[int]] = defaultdict(set)
    for request_id, need_id in requests.filter(need__isnull=False).values_list("pk", "need_id"):
        for sector_id in sectors[need_id]:
            for type_id in app_types[need_id]:
                cells[sector_id, type_id].add(request_id)
    sector_names = {t.pk: t.name for t in Sector.objects.all()}
    type_names = {t.pk: t.name for t in ApplicationType.objects.all()}
    rows = []
    for (sector_id, type_id), ids in sorted(
        cells.items(), key=lambda item: (-len(item[1]), item[0])
    ):
        counts = _event_outcome_counts(MeetingRequest.objects.filter(pk__in=ids))
        rows.append(
            [
                f"{sector_names.get(sector_id, '')} × {type_names.get(type_id, '')}",
                counts["requested"],
                counts["accepted"],
                counts["held"],
                counts["connections"],
                counts["won"],
            ]
        )
    return Table(
        slug="event-outcomes-by-cell",
        title=_("Event meetings by sector and application type"),
        note=_(
            "Meeting requests at published events, by the sector and application type of the "
            "public or anonymous need each is about (a need in several cells counts in each); "
            "requests not tied to a need are left out."
        ),
        columns=[_("Sector × application type")] + _event_outcome_columns(),
        rows=rows,
    )


# --- the registry the views and exports use ------------------------------------------------

TABLES = {
    "heat-map": heat_map,
    "unmet-cells": unmet_cells,
    "unmet-needs": unmet_needs,
    "trends": trends,
    "funnel": funnel,
    "response-time": response_time,
    "by-layer": by_layer,
    "by-kind": by_kind,
    "by-deployment": by_deployment,
    "by-region": by_region,
    "top-vendors": top_vendors,
    "event-outcomes": event_outcomes,
    "event-outcomes-by-cell": event_outcomes_by_cell,
    "vendor-acceptance": vendor_acceptance,
    "staff-unmet-needs": staff_unmet_needs,
    "listing-states": listing_states,
}
STAFF_TABLES = {"vendor-acceptance", "staff-unmet-needs", "listing-states"}


def table_for(slug: str, *, staff: bool) -> Table | None:
    """The table called ``slug`` if this viewer may read it, else None (→ 404)."""
    if slug not in TABLES or (slug in STAFF_TABLES and not staff):
        return None
    return TABLES[slug]()
