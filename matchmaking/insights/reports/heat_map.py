"""Supply and demand in every sector × application-type cell, with links to the browse pages."""

from __future__ import annotations

from django.utils.translation import gettext as _

from matchmaking.insights.reports.common import Report, Table, browse_url, cell_counts, ratio
from matchmaking.taxonomy.models import ApplicationType, Sector

# Heat-map classes: a diverging scale on offerings per open need, so gaps stand out.
#   heat-0 nothing on either side; heat-1 demand with no supply at all; heat-2 ratio < 1;
#   heat-3 1 ≤ ratio < 3 (balanced); heat-4 3 ≤ ratio < 10; heat-5 ≥ 10 or supply without demand.
HEAT_BOUNDS = (1, 3, 10)


def heat_class(needs: int, offerings: int) -> str:
    if needs == 0:
        return "heat-5" if offerings else "heat-0"
    if offerings == 0:
        return "heat-1"
    ratio_ = offerings / needs
    if ratio_ < HEAT_BOUNDS[0]:
        return "heat-2"
    if ratio_ < HEAT_BOUNDS[1]:
        return "heat-3"
    if ratio_ < HEAT_BOUNDS[2]:
        return "heat-4"
    return "heat-5"


def build(report: Report) -> Table:
    sectors = list(Sector.objects.active())
    app_types = list(ApplicationType.objects.active())
    needs, offerings = cell_counts()
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
    return report.make_table(
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
