"""The cells with the most open needs left without good suggestions, thinnest supply first."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.utils.translation import gettext as _

from matchmaking.insights.reports.common import (
    Report,
    Table,
    browse_url,
    cell_counts,
    good_suggestion_counts,
    public_needs,
    ratio,
    suggestion_note,
)
from matchmaking.listings.models import Need
from matchmaking.taxonomy.models import ApplicationType, Sector

TOP_UNMET_CELLS = 10


def build(report: Report) -> Table:
    sectors = {s.pk: s for s in Sector.objects.active()}
    app_types = {a.pk: a for a in ApplicationType.objects.active()}
    needs, offerings = cell_counts()
    counts = good_suggestion_counts(public_needs().values("pk"))
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
    return report.make_table(
        note=suggestion_note()
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
