"""New needs, offerings and connections per calendar month, the last TREND_MONTHS months."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.connections.choices import ConnectionState
from matchmaking.connections.models import Connection
from matchmaking.insights.reports.common import Report, Table
from matchmaking.listings.choices import NeedVisibility
from matchmaking.listings.models import Need, Offering

TREND_MONTHS = 12


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


def build(report: Report) -> Table:
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
    return report.make_table(
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
