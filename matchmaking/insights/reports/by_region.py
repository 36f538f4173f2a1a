"""Open needs by the region they name, published offerings by each region they serve."""

from __future__ import annotations

from django.db import connection as db_connection
from django.db.models import Count
from django.utils.translation import gettext as _

from matchmaking.insights.reports.common import Report, Table, public_needs
from matchmaking.listings.choices import OfferingStatus
from matchmaking.listings.models import Offering


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


def build(report: Report) -> Table:
    need_counts = dict(
        public_needs().exclude(region="").order_by().values_list("region").annotate(n=Count("pk"))
    )
    offering_counts = _offering_region_counts()
    regions = sorted(
        set(need_counts) | set(offering_counts),
        key=lambda r: (-(need_counts.get(r, 0) + offering_counts.get(r, 0)), r),
    )
    return report.make_table(
        note=_(
            "Open public or anonymous needs by the region they name, and published offerings by "
            "each region they serve (an offering serving several regions counts in each; "
            "“全国” means nationwide). Needs and offerings without a region are left out."
        ),
        columns=[_("Region"), _("Open needs"), _("Published offerings")],
        rows=[[r, need_counts.get(r, 0), offering_counts.get(r, 0)] for r in regions],
    )
