"""How long connections wait for their first answer (the funnel shows the same median)."""

from __future__ import annotations

from statistics import median

from django.utils.translation import gettext as _

from matchmaking.connections.models import Connection
from matchmaking.insights.reports.common import Report, Table


def median_first_response_hours() -> float | None:
    durations = [
        (answered - created).total_seconds()
        for created, answered in Connection.objects.filter(
            first_response_at__isnull=False
        ).values_list("created_at", "first_response_at")
    ]
    return round(median(durations) / 3600, 1) if durations else None


def build(report: Report) -> Table:
    answered = Connection.objects.filter(first_response_at__isnull=False)
    return report.make_table(
        note=_(
            "All connection requests and proposals that have been answered (accepted or "
            "declined): the median time from sending to the first answer, in hours."
        ),
        columns=[_("Answered connections"), _("Median hours to first response")],
        rows=[[answered.count(), median_first_response_hours()]],
    )
