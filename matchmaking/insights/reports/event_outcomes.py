"""Per published matchmaking event (对接会): registrations, meetings, connections and wins."""

from __future__ import annotations

from django.utils.translation import gettext as _

from matchmaking.connections.choices import ConnectionState
from matchmaking.connections.models import Connection
from matchmaking.events.choices import Attendance, EventStatus, RegistrationStatus, RequestState
from matchmaking.events.models import Event, MeetingOutcome, MeetingRequest, Registration
from matchmaking.insights.reports.common import Report, Table


def outcome_counts(requests) -> dict[str, int]:
    """Requested, accepted, held, connections opened and won for a set of meeting requests."""
    accepted = requests.filter(state=RequestState.ACCEPTED)
    held = (
        MeetingOutcome.objects.filter(
            meeting__request__in=accepted.values("pk"), attendance=Attendance.HELD
        )
        .values("meeting_id")
        .distinct()
        .count()
    )
    connections = accepted.filter(connection__isnull=False).values("connection_id").distinct()
    return {
        "requested": requests.count(),
        "accepted": accepted.count(),
        "held": held,
        "connections": connections.count(),
        "won": Connection.objects.filter(pk__in=connections, state=ConnectionState.WON).count(),
    }


def outcome_columns() -> list[str]:
    return [
        _("Meetings requested"),
        _("Meetings accepted"),
        _("Meetings held"),
        _("Connections opened"),
        _("Deals won"),
    ]


def build(report: Report) -> Table:
    rows, links = [], []
    events = Event.objects.exclude(status=EventStatus.DRAFT).order_by("-start_date", "-pk")
    for event in events:
        counts = outcome_counts(MeetingRequest.objects.filter(event=event))
        registrations = Registration.objects.filter(
            event=event, status=RegistrationStatus.APPROVED
        ).count()
        rows.append(
            [
                event.display_title,
                event.start_date.isoformat(),
                registrations,
                counts["requested"],
                counts["accepted"],
                counts["held"],
                counts["connections"],
                counts["won"],
            ]
        )
        links.append([event.get_absolute_url()] + [None] * 7)
    return report.make_table(
        note=_(
            "Per published event (对接会): approved registrations, meetings requested and "
            "accepted, meetings at least one side recorded as held, connections opened by "
            "accepted meetings and those connections marked won."
        ),
        columns=[_("Event"), _("Date"), _("Registrations")] + outcome_columns(),
        rows=rows,
        links=links,
    )
