"""A participant's agenda as an iCalendar file (RFC 5545, the `icalendar` package)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as CalendarEvent


def agenda_ics(registration, items) -> bytes:
    event = registration.event
    calendar = Calendar()
    calendar.add("prodid", "-//matchmaking//events//")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", event.display_title)
    host = settings.SITE_URL.split("//")[-1].split("/")[0] or "localhost"
    place = event.venue or event.online_url
    for item in items:
        other = item.other.organization.display_name
        entry = CalendarEvent()
        entry.add("uid", f"event-{event.pk}-meeting-{item.meeting.pk}@{host}")
        entry.add("dtstamp", timezone.now())
        entry.add("dtstart", item.slot.start)
        entry.add("dtend", item.slot.end)
        entry.add(
            "summary",
            _("Meeting with %(other)s (%(table)s)") % {"other": other, "table": item.table},
        )
        lines = [
            _("Event: %(event)s") % {"event": event.display_title},
            _("Table: %(table)s") % {"table": item.table},
            _("With: %(other)s") % {"other": other},
        ]
        if item.request.need is not None:
            lines.append(_("Need: %(title)s") % {"title": item.request.need.title})
        if item.request.offering is not None:
            lines.append(_("Offering: %(title)s") % {"title": item.request.offering.title})
        entry.add("description", "\n".join(lines))
        entry.add("location", f"{place} · {item.table}" if place else item.table)
        calendar.add_component(entry)
    # Events carry TZID=Asia/Shanghai: RFC 5545 wants the VTIMEZONE they refer to (Outlook
    # and some phones otherwise guess the zone).
    calendar.add_missing_timezones()
    return calendar.to_ical()
