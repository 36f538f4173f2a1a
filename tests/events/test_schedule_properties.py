"""Property: re-running the schedule from the app never moves a confirmed meeting, whatever
requests arrive or whatever availability changes in between; and what it stores never double
books a participant or a table, never uses a break or an unavailable slot."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaking.events import services
from matchmaking.events.models import Meeting, MeetingRequest
from tests import factories
from tests.events.conftest import register

pytestmark = pytest.mark.django_db

PARTICIPANTS = 6


@pytest.fixture
def participants(world):
    """Six approved participants of the world's event (slots 0–5, slot 3 a break, 3 tables)."""
    registrations = [world.enterprise_reg, world.vendor_reg]
    for index in range(PARTICIPANTS - 2):
        kind = "enterprise" if index % 2 else "vendor"
        organization = factories.make_organization(kind=kind)
        user = organization.memberships.get().user
        listing = (
            {"needs": [factories.make_need(organization=organization)]}
            if kind == "enterprise"
            else {"offerings": [factories.make_offering(organization=organization)]}
        )
        registration = register(user, world.event, **listing)
        services.registration_approve(registration=registration, user=world.organizer)
        registrations.append(registration)
    return world, registrations


PAIRS = list(itertools.combinations(range(PARTICIPANTS), 2))


def _accept(world, registrations, pairs, scores):
    for (a, b), score in zip(pairs, scores, strict=False):
        MeetingRequest.objects.get_or_create(
            event=world.event,
            from_registration=registrations[a],
            to_registration=registrations[b],
            defaults={"state": "accepted", "score": score},
        )


def _check_stored(world):
    meetings = list(
        Meeting.objects.filter(event=world.event).select_related(
            "request__from_registration", "request__to_registration"
        )
    )
    blocked = world.event.blocked_slots()
    seen_tables, seen_people = set(), set()
    for meeting in meetings:
        assert meeting.slot not in blocked
        assert (meeting.slot, meeting.table) not in seen_tables
        seen_tables.add((meeting.slot, meeting.table))
        for registration in (meeting.request.from_registration, meeting.request.to_registration):
            assert (meeting.slot, registration.pk) not in seen_people
            seen_people.add((meeting.slot, registration.pk))
            if not meeting.confirmed:
                assert meeting.slot not in (registration.unavailable_slots or [])


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.lists(st.sampled_from(PAIRS), min_size=1, max_size=8, unique=True),
    later=st.lists(st.sampled_from(PAIRS), max_size=6, unique=True),
    scores=st.lists(st.integers(0, 100), min_size=14, max_size=14),
    confirm=st.lists(st.booleans(), min_size=8, max_size=8),
    unavailable=st.dictionaries(
        st.integers(0, PARTICIPANTS - 1), st.sets(st.integers(0, 5), max_size=4), max_size=3
    ),
)
def test_rerun_never_moves_confirmed_meetings(
    participants, first, later, scores, confirm, unavailable
):
    world, registrations = participants
    with transaction.atomic():
        _accept(world, registrations, first, scores)
        services.event_schedule(event=world.event, user=world.organizer, time_limit_s=1.0)
        _check_stored(world)
        confirmed = {}
        for meeting, lock in zip(Meeting.objects.order_by("pk"), confirm, strict=False):
            if lock:
                services.meeting_confirm(meeting=meeting, user=world.organizer)
                confirmed[meeting.request_id] = (meeting.slot, meeting.table)
        # Late changes: more accepted requests, availability changed.
        _accept(world, registrations, later, scores[7:])
        for index, slots in unavailable.items():
            registrations[index].unavailable_slots = sorted(slots)
            registrations[index].save(update_fields=["unavailable_slots"])
        services.event_schedule(event=world.event, user=world.organizer, time_limit_s=1.0)
        after = {
            m.request_id: (m.slot, m.table)
            for m in Meeting.objects.filter(event=world.event, confirmed=True)
        }
        assert after == confirmed
        _check_stored(world)
        transaction.set_rollback(True)
