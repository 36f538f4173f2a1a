"""The vendors with the most published cases in the case library."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext as _

from matchmaking.accounts.models import Organization
from matchmaking.cases.models import Case
from matchmaking.insights.reports.common import Report, Table

TOP_VENDORS = 10


def build(report: Report) -> Table:
    rows = list(
        Case.objects.published()
        .order_by()
        .values("vendor_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "vendor_id")[:TOP_VENDORS]
    )
    orgs = Organization.objects.in_bulk([row["vendor_id"] for row in rows])
    return report.make_table(
        note=_("Published cases in the case library, per vendor (the top %(n)d).")
        % {"n": TOP_VENDORS},
        columns=[_("Vendor"), _("Published cases")],
        rows=[[orgs[row["vendor_id"]].display_name, row["n"]] for row in rows],
        links=[[orgs[row["vendor_id"]].get_absolute_url(), None] for row in rows],
    )
