"""Every need and offering by its current status (staff only: drafts and hidden ones too)."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext as _

from matchmaking.insights.reports.common import Report, Table
from matchmaking.listings.choices import NeedStatus, NeedVisibility, OfferingStatus
from matchmaking.listings.models import Need, Offering


def build(report: Report) -> Table:
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
    return report.make_table(
        note=_(
            "Every need and offering by its current status, drafts and hidden ones included; "
            "“open and private” is the part of the open needs that only contacted vendors see."
        ),
        columns=[_("Listing"), _("Status"), _("Count")],
        rows=rows,
    )
