"""Events services: registration, proposals from stored suggestions, meeting requests and
their connection, scheduling from the app (confirmed meetings never move), hand moves,
outcomes and reminders."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from matchmaking.connections.choices import ConnectionState
from matchmaking.connections.models import Connection
from matchmaking.events import selectors, services
from matchmaking.events.choices import RegistrationStatus, RequestState
from matchmaking.events.models import Meeting, MeetingRequest
from matchmaking.matching.models import Suggestion
from matchmaking.notifications.models import Notification
from tests import factories
from tests.events.conftest import make_event, register

pytestmark = pytest.mark.django_db


def _accepted(world, note="想了解报价"):
    request = services.meeting_request_create(
        user=world.enterprise_user,
        event=world.event,
        to_registration=world.vendor_reg,
        note=note,
        need=world.need,
        offering=world.offering,
    )
    return services.meeting_request_accept(request=request, user=world.vendor_user)


class EventSlotTests:
    def test_slots_are_derived_from_day_times_and_meeting_length_with_breaks_blocked(self, world):
        slots = world.event.slots()
        assert len(slots) == 6  # 09:00–11:00 in 20-minute meetings
        assert [s.is_break for s in slots] == [False, False, False, True, False, False]
        assert world.event.blocked_slots() == frozenset({3})

    def test_unreadable_break_is_a_field_error(self, world):
        world.event.breaks = "lunch"
        with pytest.raises(ValidationError) as info:
            services.event_save(user=world.organizer, event=world.event)
        assert "breaks" in info.value.error_dict

    def test_only_organizers_save_events(self, world):
        with pytest.raises(PermissionDenied):
            services.event_save(user=world.enterprise_user, event=world.event)


class RegistrationTests:
    def test_registration_waits_for_approval_when_the_event_requires_it(self, world):
        other = factories.make_organization(kind="vendor")
        offering = factories.make_offering(organization=other)
        registration = register(other.memberships.get().user, world.event, offerings=[offering])
        assert registration.status == RegistrationStatus.PENDING

    def test_cannot_bring_another_organizations_listing(self, world):
        other = factories.make_organization(kind="vendor")
        with pytest.raises(PermissionDenied):
            register(other.memberships.get().user, world.event, offerings=[world.offering])

    def test_closed_registration_is_refused(self, world):
        world.event.registration_closes = timezone.now() - timedelta(minutes=1)
        world.event.registration_opens = timezone.now() - timedelta(days=2)
        world.event.save()
        other = factories.make_organization(kind="vendor")
        offering = factories.make_offering(organization=other)
        with pytest.raises(ValidationError):
            register(other.memberships.get().user, world.event, offerings=[offering])

    def test_capacity_is_respected(self, world):
        world.event.capacity = 2
        world.event.save()
        other = factories.make_organization(kind="vendor")
        offering = factories.make_offering(organization=other)
        with pytest.raises(ValidationError):
            register(other.memberships.get().user, world.event, offerings=[offering])

    def test_unavailable_slots_must_belong_to_the_event(self, world):
        with pytest.raises(ValidationError):
            register(
                world.vendor_user, world.event, offerings=[world.offering], unavailable_slots=[99]
            )


class ProposalTests:
    def test_other_participants_are_ranked_by_the_stored_suggestion_with_its_reasons(self, world):
        stored = Suggestion.objects.filter(need=world.need, offering=world.offering).first()
        assert stored is not None
        proposals = selectors.proposals(world.enterprise_reg)
        assert [p.registration for p in proposals] == [world.vendor_reg]
        assert proposals[0].score == stored.score
        assert proposals[0].need == world.need and proposals[0].offering == world.offering
        assert proposals[0].met  # the matcher's met reasons, rendered

    def test_proposals_read_suggestions_and_never_run_the_matcher(self, world):
        with mock.patch("matchmaking.matching.services.rank_offerings_for_need") as rank:
            selectors.proposals(world.vendor_reg)
        rank.assert_not_called()

    def test_pending_participants_are_not_proposed(self, world):
        other = factories.make_organization(kind="vendor")
        register(
            other.memberships.get().user,
            world.event,
            offerings=[factories.make_offering(organization=other)],
        )
        assert len(selectors.proposals(world.enterprise_reg)) == 1


class MeetingRequestTests:
    def test_accepting_opens_an_accepted_connection_so_contacts_are_disclosed(self, world):
        request = _accepted(world)
        assert request.state == RequestState.ACCEPTED
        connection = request.connection
        assert connection.state == ConnectionState.ACCEPTED
        assert {connection.initiator_org_id, connection.receiver_org_id} == {
            world.enterprise_reg.organization_id,
            world.vendor_reg.organization_id,
        }

    def test_accepting_reuses_an_existing_open_connection(self, world):
        from matchmaking.connections import services as connection_services

        existing, _ = connection_services.connection_request(
            user=world.enterprise_user, offering=world.offering, need=world.need, message="你好"
        )
        request = _accepted(world)
        assert request.connection == existing
        assert Connection.objects.count() == 1
        existing.refresh_from_db()
        assert existing.state == ConnectionState.ACCEPTED

    def test_only_the_receiver_answers(self, world):
        request = services.meeting_request_create(
            user=world.enterprise_user, event=world.event, to_registration=world.vendor_reg
        )
        with pytest.raises(PermissionDenied):
            services.meeting_request_accept(request=request, user=world.enterprise_user)
        assert MeetingRequest.objects.get().state == RequestState.REQUESTED

    def test_a_second_request_to_the_same_participant_is_refused(self, world):
        services.meeting_request_create(
            user=world.enterprise_user, event=world.event, to_registration=world.vendor_reg
        )
        with pytest.raises(ValidationError):
            services.meeting_request_create(
                user=world.enterprise_user, event=world.event, to_registration=world.vendor_reg
            )

    def test_non_participants_cannot_request(self, world):
        outsider = factories.make_organization(kind="vendor").memberships.get().user
        with pytest.raises(PermissionDenied):
            services.meeting_request_create(
                user=outsider, event=world.event, to_registration=world.enterprise_reg
            )

    def test_a_request_cannot_be_about_listings_nobody_brought(self, world):
        stray = factories.make_offering(organization=world.vendor_reg.organization)
        with pytest.raises(ValidationError):
            services.meeting_request_create(
                user=world.enterprise_user,
                event=world.event,
                to_registration=world.vendor_reg,
                need=world.need,
                offering=stray,
            )

    def test_the_receiver_is_notified(self, world):
        services.meeting_request_create(
            user=world.enterprise_user, event=world.event, to_registration=world.vendor_reg
        )
        assert Notification.objects.filter(
            recipient=world.vendor_user, kind="event_update"
        ).exists()


def _more_pairs(world, count):
    """`count` more accepted meetings between new enterprise/vendor participants."""
    requests = []
    for _i in range(count):
        enterprise = factories.make_organization(kind="enterprise")
        vendor = factories.make_organization(kind="vendor")
        e_user, v_user = enterprise.memberships.get().user, vendor.memberships.get().user
        e_reg = register(e_user, world.event, needs=[factories.make_need(organization=enterprise)])
        v_reg = register(
            v_user, world.event, offerings=[factories.make_offering(organization=vendor)]
        )
        services.registration_approve(registration=e_reg, user=world.organizer)
        services.registration_approve(registration=v_reg, user=world.organizer)
        request = services.meeting_request_create(
            user=e_user, event=world.event, to_registration=v_reg
        )
        requests.append(services.meeting_request_accept(request=request, user=v_user))
    return requests


class SchedulingIntegrationTests:
    def test_accepted_requests_are_placed_without_double_booking_or_breaks(self, world):
        _accepted(world)
        _more_pairs(world, 4)
        schedule = services.event_schedule(event=world.event, user=world.organizer)
        meetings = list(Meeting.objects.filter(event=world.event))
        assert len(meetings) == schedule.placed == 5
        assert len({(m.slot, m.table) for m in meetings}) == 5
        assert all(m.slot != 3 for m in meetings)

    def test_rerunning_never_moves_a_confirmed_meeting(self, world):
        first = _accepted(world)
        _more_pairs(world, 3)
        services.event_schedule(event=world.event, user=world.organizer)
        meeting = Meeting.objects.get(request=first)
        services.meeting_confirm(meeting=meeting, user=world.organizer)
        # Late changes: more accepted meetings arrive.
        _more_pairs(world, 3)
        for _run in range(3):
            services.event_schedule(event=world.event, user=world.organizer)
            again = Meeting.objects.get(request=first)
            assert (again.slot, again.table, again.confirmed) == (meeting.slot, meeting.table, True)

    def test_unavailability_and_maximum_are_respected(self, world):
        register(
            world.vendor_user,
            world.event,
            offerings=[world.offering],
            unavailable_slots=[0, 1, 2],
            max_meetings=1,
        )
        first = _accepted(world)
        services.event_schedule(event=world.event, user=world.organizer)
        assert Meeting.objects.get(request=first).slot in (4, 5)

    def test_a_move_that_double_books_is_refused_with_the_conflict(self, world):
        first = _accepted(world)
        services.event_schedule(event=world.event, user=world.organizer)
        meeting = Meeting.objects.get(request=first)
        with pytest.raises(ValidationError) as info:
            services.meeting_move(meeting=meeting, user=world.organizer, slot=3, table=0)
        assert info.value.messages
        meeting.refresh_from_db()
        assert meeting.slot != 3

    def test_a_free_move_is_saved(self, world):
        first = _accepted(world)
        services.event_schedule(event=world.event, user=world.organizer)
        meeting = Meeting.objects.get(request=first)
        target = 5 if meeting.slot != 5 else 4
        services.meeting_move(meeting=meeting, user=world.organizer, slot=target, table=2)
        meeting.refresh_from_db()
        assert (meeting.slot, meeting.table) == (target, 2)

    def test_only_organizers_schedule(self, world):
        with pytest.raises(PermissionDenied):
            services.event_schedule(event=world.event, user=world.enterprise_user)

    def test_cancelling_a_meeting_frees_its_slot(self, world):
        first = _accepted(world)
        services.event_schedule(event=world.event, user=world.organizer)
        services.meeting_request_cancel(request=first, user=world.vendor_user)
        assert not Meeting.objects.exists()


class OutcomeTests:
    def _held(self, world):
        first = _accepted(world)
        services.event_schedule(event=world.event, user=world.organizer)
        return Meeting.objects.get(request=first)

    def test_outcomes_wait_for_the_event(self, world):
        meeting = self._held(world)
        with pytest.raises(ValidationError):
            services.meeting_outcome_record(
                meeting=meeting, user=world.enterprise_user, attendance="held", follow_up=True
            )

    def test_a_follow_up_moves_the_connection_to_in_talks(self, world):
        meeting = self._held(world)
        later = timezone.now() + timedelta(days=11)
        with mock.patch("matchmaking.events.services._now", return_value=later):
            services.meeting_outcome_record(
                meeting=meeting, user=world.enterprise_user, attendance="held", follow_up=True
            )
        meeting.request.connection.refresh_from_db()
        assert meeting.request.connection.state == ConnectionState.IN_TALKS

    def test_outsiders_cannot_record(self, world):
        meeting = self._held(world)
        outsider = factories.make_organization(kind="vendor").memberships.get().user
        later = timezone.now() + timedelta(days=11)
        with (
            mock.patch("matchmaking.events.services._now", return_value=later),
            pytest.raises(PermissionDenied),
        ):
            services.meeting_outcome_record(
                meeting=meeting, user=outsider, attendance="held", follow_up=False
            )


class ReminderTests:
    def test_participants_are_reminded_once_shortly_before_the_event(self, world):
        _accepted(world)
        services.event_schedule(event=world.event, user=world.organizer)
        Notification.objects.all().delete()
        assert services.event_remind_due() == 0  # ten days ahead: too early
        soon = timezone.now() + timedelta(days=9)
        assert services.event_remind_due(now=soon) == 1
        assert services.event_remind_due(now=soon) == 0
        assert Notification.objects.filter(recipient=world.vendor_user).count() == 1
        assert Notification.objects.filter(recipient=world.enterprise_user).count() == 1


def test_make_event_helper_builds_a_published_event(db):
    event = make_event(factories.make_user(is_staff=True))
    assert event.registration_open()


def test_housekeeping_command_reports_reminded_events(world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("run_event_housekeeping", stdout=out)
    assert out.getvalue().strip() == "events reminded: 0"
