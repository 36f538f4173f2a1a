"""The home page's "largest gaps" block (registered from apps.py)."""

from __future__ import annotations

from matchmaking.core.home import HomeSection
from matchmaking.insights import reports

HOME_GAPS = 3


def top_gaps_section(request) -> HomeSection | None:
    table = reports.table("unmet-cells")
    if not table.rows:
        return None
    gaps = [
        {
            "sector": row[0],
            "app_type": row[1],
            "needs": row[2],
            "offerings": row[4],
            "url": links[2],
        }
        for row, links in zip(table.rows, table.links, strict=False)
        if row[3] > 0
    ][:HOME_GAPS]
    if not gaps:
        return None
    return HomeSection(template="insights/includes/home_gaps.html", context={"gaps": gaps})
