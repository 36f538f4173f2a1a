"""Per vendor: connections received, decided and accepted (staff only: per-organization rates)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from matchmaking.accounts.models import Organization
from matchmaking.cases.models import Case
from matchmaking.connections.choices import DISCLOSED_STATES, ConnectionState
from matchmaking.connections.models import Connection
from matchmaking.insights.reports.common import Report, Table, rate


def build(report: Report) -> Table:
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
    return report.make_table(
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
    )
