"""Event meetings by the sector × application type of the need they are about."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from matchmaking.events.choices import EventStatus
from matchmaking.events.models import MeetingRequest
from matchmaking.insights.reports.common import Report, Table
from matchmaking.insights.reports.event_outcomes import outcome_columns, outcome_counts
from matchmaking.listings.choices import NeedVisibility
from matchmaking.listings.models import Need
from matchmaking.taxonomy.models import ApplicationType, Sector


def build(report: Report) -> Table:
    """Public or anonymous needs only: a private need is never counted in a public table."""
    requests = MeetingRequest.objects.filter(event__status=EventStatus.PUBLISHED).exclude(
        need__visibility=NeedVisibility.PRIVATE
    )
    need_ids = requests.filter(need__isnull=False).values("need_id")
    sectors = defaultdict(set)
    for need_id, sector_id in Need.sectors.through.objects.filter(need_id__in=need_ids).values_list(
        "need_id", "sector_id"
    ):
        sectors[need_id].add(sector_id)
    app_types = defaultdict(set)
    for need_id, type_id in Need.app_types.through.objects.filter(need_id__in=need_ids).values_list(
        "need_id", "applicationtype_id"
    ):
        app_types[need_id].add(type_id)
    cells: dict[tuple[int, int], set[int]] = defaultdict(set)
    for request_id, need_id in requests.filter(need__isnull=False).values_list("pk", "need_id"):
        for sector_id in sectors[need_id]:
            for type_id in app_types[need_id]:
                cells[sector_id, type_id].add(request_id)
    sector_names = {t.pk: t.name for t in Sector.objects.all()}
    type_names = {t.pk: t.name for t in ApplicationType.objects.all()}
    rows = []
    for (sector_id, type_id), ids in sorted(
        cells.items(), key=lambda item: (-len(item[1]), item[0])
    ):
        counts = outcome_counts(MeetingRequest.objects.filter(pk__in=ids))
        rows.append(
            [
                f"{sector_names.get(sector_id, '')} × {type_names.get(type_id, '')}",
                counts["requested"],
                counts["accepted"],
                counts["held"],
                counts["connections"],
                counts["won"],
            ]
        )
    return report.make_table(
        note=_(
            "Meeting requests at published events, by the sector and application type of the "
            "public or anonymous need each is about (a need in several cells counts in each); "
            "requests not tied to a need are left out."
        ),
        columns=[_("Sector × application type")] + outcome_columns(),
        rows=rows,
    )
