"""Insights gain event outcomes: per event and by sector × application type."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from matchmaking.connections import services as connection_services
from matchmaking.events import services
from matchmaking.events.models import Meeting
from matchmaking.insights import reports
from tests import factories
from tests.events.conftest import register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_default_cache")]


def _held_and_won(world):
    request = services.meeting_request_create(
        user=world.enterprise_user,
        event=world.event,
        to_registration=world.vendor_reg,
        need=world.need,
        offering=world.offering,
    )
    services.meeting_request_accept(request=request, user=world.vendor_user)
    services.event_schedule(event=world.event, user=world.organizer)
    meeting = Meeting.objects.get()
    with mock.patch(
        "matchmaking.events.services._now", return_value=timezone.now() + timedelta(days=11)
    ):
        services.meeting_outcome_record(
            meeting=meeting, user=world.vendor_user, attendance="held", follow_up=True
        )
    request.refresh_from_db()
    connection_services.connection_mark(
        connection=request.connection, user=world.enterprise_user, state="won"
    )
    # A second request, declined: counted as requested only.
    other = factories.make_organization(kind="vendor")
    other_reg = register(
        other.memberships.get().user,
        world.event,
        offerings=[factories.make_offering(organization=other)],
    )
    services.registration_approve(registration=other_reg, user=world.organizer)
    second = services.meeting_request_create(
        user=world.enterprise_user, event=world.event, to_registration=other_reg
    )
    services.meeting_request_decline(request=second, user=other.memberships.get().user)


class EventOutcomeTableTests:
    def test_per_event_counts(self, world):
        _held_and_won(world)
        table = reports.table("event-outcomes")
        (row,) = table.rows
        assert row[0] == world.event.title
        assert row[2:] == [3, 2, 1, 1, 1, 1]

    def test_by_sector_and_application_type(self, world):
        _held_and_won(world)
        table = reports.table("event-outcomes-by-cell")
        (row,) = table.rows  # the need is finance × qa; the declined request has no need
        assert row[1:] == [1, 1, 1, 1, 1]

    def test_private_needs_are_not_counted(self, world):
        world.need.visibility = "private"
        world.need.save()
        _held_and_won(world)
        assert reports.table("event-outcomes-by-cell").rows == []

    def test_page_and_export_show_the_tables(self, client, world):
        _held_and_won(world)
        assert world.event.title in client.get("/insights/").content.decode()
        export = client.get("/insights/export/event-outcomes.csv")
        assert export.status_code == 200 and world.event.title in export.content.decode()
