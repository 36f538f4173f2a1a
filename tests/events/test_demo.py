"""The events part of `seed_demo` (order 60): one upcoming 对接会, idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q

from matchmaking.connections.choices import DISCLOSED_STATES
from matchmaking.events.demo import DEMO_TITLE, seed_events
from matchmaking.events.models import Event, Meeting, MeetingRequest, Registration

pytestmark = pytest.mark.django_db


def test_without_the_demo_world_it_skips():
    assert seed_events({}, StringIO()) == [
        "events: demo organizations or administrator missing; skipped"
    ]
    assert not Event.objects.exists()


def test_seed_demo_creates_one_upcoming_event_with_accepted_meetings_once(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--offerings", "0", "--needs", "0", stdout=StringIO())
    event = Event.objects.get(title=DEMO_TITLE)
    assert event.registration_open()
    assert Registration.objects.filter(event=event, organization__ref="demo-e-bank").exists()
    accepted = MeetingRequest.objects.filter(event=event, state="accepted")
    assert 1 <= accepted.count() <= 4
    assert all(r.connection.state in DISCLOSED_STATES for r in accepted)
    assert Meeting.objects.filter(event=event).count() == accepted.count()
    before = (Registration.objects.count(), MeetingRequest.objects.count(), Meeting.objects.count())
    call_command("seed_demo", "--offerings", "0", "--needs", "0", stdout=StringIO())
    assert Event.objects.count() == 1
    after = (Registration.objects.count(), MeetingRequest.objects.count(), Meeting.objects.count())
    assert after == before


def test_the_demo_sign_ins_find_meetings_and_the_vendor_a_request_to_answer(settings):
    """enterprise@ and vendor@example.com (README) walk the event journey: each has a
    scheduled meeting on its agenda, and the vendor has a request waiting for its answer."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--offerings", "0", "--needs", "0", stdout=StringIO())
    event = Event.objects.get(title=DEMO_TITLE)
    for ref in ("demo-e-bank", "demo-v-zhiyun"):
        registration = Registration.objects.get(event=event, organization__ref=ref)
        meetings = Meeting.objects.filter(event=event, request__state="accepted").filter(
            Q(request__from_registration=registration) | Q(request__to_registration=registration)
        )
        assert meetings.exists(), ref
    waiting = MeetingRequest.objects.filter(
        event=event, state="requested", to_registration__organization__ref="demo-v-zhiyun"
    )
    assert waiting.count() == 1
