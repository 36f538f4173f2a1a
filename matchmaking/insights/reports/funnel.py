"""Needs posted → with good suggestions → contacted → accepted → won."""

from __future__ import annotations

from django.utils.translation import gettext as _

from matchmaking.connections.choices import DISCLOSED_STATES, ConnectionState
from matchmaking.connections.models import Connection
from matchmaking.insights.reports.common import (
    Report,
    Table,
    good_suggestion_counts,
    rate,
    suggestion_note,
)
from matchmaking.insights.reports.response_time import median_first_response_hours
from matchmaking.listings.choices import NeedVisibility
from matchmaking.listings.models import Need


def funnel_figures() -> dict:
    """The funnel's counts (the same ones the table shows)."""
    needs = Need.objects.filter(published_at__isnull=False).exclude(
        visibility=NeedVisibility.PRIVATE
    )
    need_ids = needs.values("pk")
    counts = good_suggestion_counts(need_ids)
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


def build(report: Report) -> Table:
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
    return report.make_table(
        note=suggestion_note()
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
